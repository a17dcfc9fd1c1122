import YongchainCore
import YongchainCrypto

/// The mortgage registry's read side: pure functions over committed state, each one `get` or one bounded prefix
/// scan per item returned (the verification queries gets only: `ProvableQuery`), so they stay milliseconds-fast however many years of registrations a node carries.
/// Results are `Codable` for the node's JSON API; the node adds the height and block hash they reflect.
///
/// Callers (the node) decide who may ask: `filings` in particular is a bank's own business, so the node MUST
/// check that a signed request comes from `bank` before answering it.
public enum MortgageQueries {
    /// Title verification: does `titleCertificateNumber` exist and list `owner` among its owners? Answers only
    /// yes or no: an unknown certificate and a wrong owner look the same, and nothing else about the unit leaks. A
    /// person is asked by commitment, which the caller computed from identity and salt: a wrong salt is a
    /// commitment nobody registered, answered exactly as an unknown person.
    public static func verifyTitle(titleCertificateNumber: String, owner: ChainIdentity, state: StateReader) throws(DamagedRecord) -> TitleVerification {
        let match: Bool
        if titleCertificateNumber.utf8.count <= MortgageLimits.maxCertificateNumberBytes,
           let unit = try DamagedRecord.load(StateKey.propertyTitle(titleCertificateNumber), state, { try UnitNumber(String(decoding: $0, as: UTF8.self)) }),
           let property = try Property.load(unit, state) {
            match = property.owners.contains { $0.id == owner }
        } else {
            match = false
        }
        return TitleVerification(titleCertificateNumber: titleCertificateNumber, match: match)
    }

    /// A unit's encumbrances: every mortgage ever registered on it, as its public lien (`LienView`: no principal,
    /// debtor or contract), in priority order with its current state (discharged ones included, so priorities have
    /// no gaps), and its seizures, oldest first. Nil when the unit is not registered.
    public static func encumbrances(unitNumber: UnitNumber, state: StateReader) throws(DamagedRecord) -> Encumbrances? {
        // Whether the unit is registered; its record (owners with their keys) is not needed, so not decoded.
        guard state.get(StateKey.property(unitNumber)) != nil else { return nil }
        let status = try PropertyStatus.load(unitNumber, state)
        // Priorities and seizure numbers run 1...count with no gaps, so each is one `get`, never a scan: the answer
        // rests on single keys, each of which a state proof can cover (ProvableQuery).
        // None is ever deleted, so one missing below its count is damage (a count damaged upwards, say): the answer
        // stops there rather than leave an entry out or walk up to 2^32 keys that are not there.
        var mortgages: [LienView] = [], seizures: [SeizureView] = []
        if status.lienCount > 0 {
            for p in 1...status.lienCount {
                guard let lien = try Lien.load(unitNumber, p, state) else {
                    throw DamagedRecord(missing: StateKey.lien(unitNumber, p), counted: "lien count \(status.lienCount)")
                }
                mortgages.append(try LienView(lien, unit: unitNumber, priority: p, state: state))
            }
        }
        if status.seizureCount > 0 {
            for n in 1...status.seizureCount {
                guard let s = try Mortgage.loadSeizure(unitNumber, n, state) else {
                    throw DamagedRecord(missing: StateKey.seizure(unitNumber, n), counted: "seizure count \(status.seizureCount)")
                }
                seizures.append(SeizureView(s))
            }
        }
        return Encumbrances(unitNumber: unitNumber.value, seized: status.isSeized, mortgages: mortgages, seizures: seizures)
    }

    /// Certificate verification: the lien registered under registration certificate `number`, with its current
    /// state (the public part only, as in `encumbrances`); nil if no such certificate was issued.
    public static func certificate(number: String, state: StateReader) throws(DamagedRecord) -> LienView? {
        guard let found = try Lien.load(certificate: number, state) else { return nil }
        return try LienView(found.lien, unit: found.unit, priority: found.priority, state: state)
    }

    /// Whether `member` is a party to application `id` (docs/confidentiality.md): a registry holding the real-estate
    /// authority, or its mortgagee bank (by name, so a rotated key still reads it). False for an id no application
    /// has. The whole record (`application(id:)`) is answered to its parties only.
    public static func isParty(_ member: Member, toApplication id: Hash, state: StateReader) throws(DamagedRecord) -> Bool {
        if member.role == .registry && member.authorities.contains(.realEstate) { return true }
        var resolver = Parties.Resolver(state: state)
        return try resolver.names([.mortgagee(id)]).contains(member.name)
    }

    /// One application by its id (the hash of the `mortgage.apply` transaction), whatever its state.
    public static func application(id: Hash, state: StateReader) throws(DamagedRecord) -> MortgageView? {
        guard let record = try MortgageRecord.load(id, state) else { return nil }
        return try MortgageView(record, state: state)
    }

    /// A bank's own filings, oldest first, `limit` per page. Pass the previous page's `next` as `after` to
    /// continue. Throws `ValidationError` naming `limit` or `after` when they are out of range.
    public static func filings(bank: PublicKey, after: String? = nil, limit: Int = MortgageLimits.defaultPageSize,
                               state: StateReader) throws -> FilingsPage {
        guard (1...MortgageLimits.maxPageSize).contains(limit) else {
            throw ValidationError(field: "limit", message: "1 to \(MortgageLimits.maxPageSize)")
        }
        let prefix = StateKey.bankFilingsPrefix(bank)
        var afterKey: [UInt8]?
        if let after {
            guard !after.isEmpty, after.utf8.count <= 32, after.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }) else {
                throw ValidationError(field: "after", message: "not a cursor returned as `next` by a previous page")
            }
            afterKey = prefix + Array(after.utf8)
        }
        // One more than asked for tells whether there is a next page.
        let entries = state.scan(prefix: prefix, after: afterKey, limit: limit + 1)
        let page = entries.prefix(limit)
        let filings = try page.compactMap { e in try Hash(e.value).flatMap { try application(id: $0, state: state) } }
        let next = entries.count > limit ? page.last.map { String(decoding: $0.key.dropFirst(prefix.count), as: UTF8.self) } : nil
        return FilingsPage(filings: filings, next: next)
    }
}
