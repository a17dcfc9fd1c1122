import YongchainCore
import YongchainCrypto

/// Who is a party to a transaction: the members whose nodes hold it, and whose party logs record it
/// (docs/confidentiality.md, "Who is a party to a transaction", which this table follows row by row). Decided from
/// the transaction, its result and the state after its block, so every full node agrees; full nodes hold every
/// transaction besides.
enum Parties {
    /// A party before it is resolved to member names.
    enum Party {
        /// The member whose current (or, after a rotation in the same block, former) key is this.
        case key(PublicKey)
        /// Every member holding the registry authority.
        case registries(Authority)
        /// Every member.
        case everyone
        /// Every bank whose lien on the unit is in force (registered, or with a discharge applied for).
        case lienHolders(UnitNumber)
        /// The mortgagee bank of the application.
        case mortgagee(Hash)
        /// Every member holding a non-registry authority (the grey-list's supervisors).
        case holders(Authority)
        /// The bank that filed a grey-list report, or appeal (its record names it).
        case reporter(Hash)
        case appellant(Hash)
    }

    /// The party rule of each transaction type. A refused transaction's only party is its signer.
    static func rule(_ tx: Transaction, _ result: TxResult) -> [Party] {
        let signer = Party.key(tx.signer)
        guard result.isOK else { return [signer] }
        switch tx.type {
        case RegisterProperty.type, RegisterEnterprise.type, PublishDeclarations.type:
            return [signer]
        case SeizeProperty.type:
            return [signer] + ((try? SeizeProperty(canonical: tx.body)).map { [.lienHolders($0.unitNumber)] } ?? [])
        case ReleaseProperty.type:
            return [signer] + ((try? ReleaseProperty(canonical: tx.body)).map { [.lienHolders($0.unitNumber)] } ?? [])
        case MortgageApplication.type, DischargeMortgage.type:
            return [signer, .registries(.realEstate)]
        case ApproveMortgage.type:
            return [signer] + ((try? ApproveMortgage(canonical: tx.body)).map { [.mortgagee($0.applicationId)] } ?? [])
        case RejectMortgage.type:
            return [signer] + ((try? RejectMortgage(canonical: tx.body)).map { [.mortgagee($0.applicationId)] } ?? [])
        case RegisterDischarge.type:
            return [signer] + ((try? RegisterDischarge(canonical: tx.body)).map { [.mortgagee($0.applicationId)] } ?? [])
        case RecordFinancing.type, RepayFinancing.type, RecordCreditQuery.type:
            return [signer, .registries(.trade)]
        case GrantAuthorization.type:
            // Signed by an enterprise, which runs no node: the bank it names and the trade registries.
            return ((try? GrantAuthorization(canonical: tx.body)).map { [.key($0.bank)] } ?? []) + [.registries(.trade)]
        case RevokeAuthorization.type:
            return ((try? RevokeAuthorization(canonical: tx.body)).map { [.key($0.bank)] } ?? []) + [.registries(.trade)]
        case ProposeGovernance.type, VoteGovernance.type:
            return [.everyone]
        case ReportSubject.type, AppealListing.type, CheckApplicant.type, RecordCheckOutcome.type, RenewEntry.type, WithdrawEntry.type,
             SweepGreylist.type, RekeyEntries.type, RetireVRFKey.type:
            return [signer, .holders(.greylist)]
        case ReviewReport.type:
            return [signer, .holders(.greylist)] + ((try? ReviewReport(canonical: tx.body)).map { [.reporter($0.report)] } ?? [])
        case DecideAppeal.type:
            return [signer, .holders(.greylist)] + ((try? DecideAppeal(canonical: tx.body)).map { [.appellant($0.appeal)] } ?? [])
        default:
            return [signer]
        }
    }

    /// Resolves parties to member names against `state`, reading the member list at most once (`members`).
    struct Resolver {
        let state: StateReader
        private var members: [Member]?
        /// `name(of:)` per key: a block's transactions name the same few signers and banks again and again, and
        /// the state the resolver reads does not change while it resolves (Parties.record writes the logs after).
        private var keyNames: [PublicKey: String?] = [:]

        init(state: StateReader) { self.state = state }

        mutating func names(_ parties: [Party]) throws(DamagedRecord) -> [String] {
            // A signer alone (most transactions, and every refused one): its name, with no set to sort.
            if parties.count == 1, case .key(let k) = parties[0] { return try name(of: k).map { [$0] } ?? [] }
            var out: Set<[UInt8]> = []
            for p in parties {
                switch p {
                case .key(let k):
                    if let n = try name(of: k) { out.insert(Array(n.utf8)) }
                case .registries(let a):
                    for m in try allMembers() where m.role == .registry && m.authorities.contains(a) { out.insert(Array(m.name.utf8)) }
                case .everyone:
                    for m in try allMembers() { out.insert(Array(m.name.utf8)) }
                case .lienHolders(let unit):
                    let status = try PropertyStatus.load(unit, state)
                    guard status.lienCount > 0 else { continue }
                    for priority in 1...status.lienCount {
                        guard let lien = try Lien.load(unit, priority, state) else {
                            throw DamagedRecord(missing: StateKey.lien(unit, priority), counted: "lien count \(status.lienCount)")
                        }
                        guard lien.inForce, let n = try name(of: lien.mortgagee) else { continue }
                        out.insert(Array(n.utf8))
                    }
                case .mortgagee(let id):
                    if let bank = MortgageRecord.loadMortgagee(id, state), let n = try name(of: bank) { out.insert(Array(n.utf8)) }
                case .holders(let a):
                    for m in try allMembers() where m.authorities.contains(a) { out.insert(Array(m.name.utf8)) }
                case .reporter(let id):
                    if let r = try GreylistReport.load(id, state), try Governance.member(name: r.bank, state) != nil { out.insert(Array(r.bank.utf8)) }
                case .appellant(let id):
                    if let a = try GreylistAppeal.load(id, state), try Governance.member(name: a.bank, state) != nil { out.insert(Array(a.bank.utf8)) }
                }
            }
            return out.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
        }

        /// The name of the member whose key `key` is, or was until a rotation (the name survives it); nil for an
        /// enterprise, a stranger or a removed member.
        private mutating func name(of key: PublicKey) throws(DamagedRecord) -> String? {
            if let known = keyNames[key] { return known }
            let found: String?
            if let m = try Governance.member(key: key, state) {
                found = m.name
            } else if let rev = try Governance.revocation(key, state), try Governance.member(name: rev.name, state) != nil {
                found = rev.name
            } else {
                found = nil
            }
            keyNames[key] = .some(found)
            return found
        }

        private mutating func allMembers() throws(DamagedRecord) -> [Member] {
            if let members { return members }
            let all = try Governance.members(state)
            members = all
            return all
        }
    }

    /// The parties of one executed transaction, as member names sorted by their UTF-8 bytes.
    static func of(_ tx: Transaction, _ result: TxResult, _ state: StateReader) throws(DamagedRecord) -> [String] {
        var resolver = Resolver(state: state)
        return try resolver.names(rule(tx, result))
    }

    /// Appends every transaction of the block to its parties' logs; returns each one's parties.
    static func record(_ executed: [ExecutedTransaction], height: UInt64, suite: HashSuite, state: StateOverlay) throws(DamagedRecord) -> [[String]] {
        var resolver = Resolver(state: state)
        var logs: [String: PartyLog] = [:]
        var out: [[String]] = []
        out.reserveCapacity(executed.count)
        for (i, e) in executed.enumerated() {
            let names = try resolver.names(rule(e.transaction, e.result))
            for n in names {
                // A log that does not decode is damaged, never restarted empty: that would drop what it recorded.
                let log: PartyLog
                if let held = logs[n] { log = held } else { log = try DamagedRecord.load(PartyLog.self, PartyLog.stateKey(n), state) ?? .empty }
                logs[n] = log.appending(height: height, txIndex: UInt32(i), txHash: e.hash, code: e.result.code, suite: suite)
            }
            out.append(names)
        }
        for (n, log) in logs { state.set(PartyLog.stateKey(n), log.canonicalBytes) }
        state.commitTransaction()
        return out
    }
}
