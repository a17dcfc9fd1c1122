import YongchainCore
import YongchainCrypto

/// The mortgage registry: properties, applications, approvals, discharges, seizures. `docs/mortgage.md` is the
/// reference for the flow, every rule and every rejection code.
///
/// Each execution reads everything it needs and checks every rule before its first write, so a rejected
/// transaction writes nothing even before the node discards its writes. Roles come only from the signer's
/// `member/…` record (genesis); time and identifiers come only from the `BlockContext`.
enum Mortgage {
    static let handlers: [TxHandler] = [
        .make(RegisterProperty.self, check: { _, tx, state in realEstateRegistry(tx, state) }, execute: registerProperty),
        .make(SeizeProperty.self, check: { _, tx, state in realEstateRegistry(tx, state) }, execute: seize),
        .make(ReleaseProperty.self, check: { _, tx, state in realEstateRegistry(tx, state) }, execute: release),
        .make(MortgageApplication.self, check: { p, tx, state in
            if case .failure(let r) = Member.requireBank(tx.signer, state) { return r }
            guard p.mortgagee == tx.signer else {
                return .reject(Codes.notMortgagee, "the application names \(p.mortgagee.keyID) as mortgagee but \(tx.signer.keyID) signed it")
            }
            return nil
        }, admit: { p, _, chainID, state throws(DamagedRecord) in try badConsent(p, chainID: chainID, state) }, execute: apply),
        .make(ApproveMortgage.self, check: { _, tx, state in realEstateRegistry(tx, state) }, execute: approve),
        .make(RejectMortgage.self, check: { _, tx, state in realEstateRegistry(tx, state) }, execute: reject),
        .make(DischargeMortgage.self, check: { _, tx, state in
            if case .failure(let r) = Member.requireBank(tx.signer, state) { return r }
            return nil
        }, execute: discharge),
        .make(RegisterDischarge.self, check: { _, tx, state in realEstateRegistry(tx, state) }, execute: registerDischarge),
    ]

    private static func realEstateRegistry(_ tx: Transaction, _ state: StateReader) -> TxResult? {
        if case .failure(let r) = Member.requireRegistry(tx.signer, .realEstate, state) { return r }
        return nil
    }

    // MARK: - Properties

    private static func registerProperty(_ p: RegisterProperty, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) -> TxResult {
        let unitKey = StateKey.property(p.unitNumber), titleKey = StateKey.propertyTitle(p.titleCertificateNumber)
        if state.get(unitKey) != nil {
            return .reject(Codes.alreadyRegistered, "unit \(p.unitNumber) is already registered")
        }
        if let other = state.get(titleKey) {
            return .reject(Codes.alreadyRegistered,
                           "title certificate \(p.titleCertificateNumber) is already registered for unit \(String(decoding: other, as: UTF8.self))")
        }
        state.set(unitKey, Property(p, at: RecordedAt(ctx)).canonicalBytes)
        state.set(titleKey, Array(p.unitNumber.value.utf8))
        return .ok
    }

    private static func seize(_ p: SeizeProperty, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard try Property.load(p.unitNumber, state) != nil else { return unknownProperty(p.unitNumber) }
        var status = try PropertyStatus.load(p.unitNumber, state)
        if let active = status.activeSeizure {
            let order = try loadSeizure(p.unitNumber, active, state)?.courtOrder ?? "?"
            return .reject(Codes.alreadySeized, "unit \(p.unitNumber) is already seized under court order \(order); release it first")
        }
        let seq = try DamagedRecord.next(after: status.seizureCount, at: StateKey.propertyStatus(p.unitNumber))
        status.seizureCount = seq
        status.activeSeizure = seq
        state.set(StateKey.seizure(p.unitNumber, seq), Seizure(courtOrder: p.courtOrder, seizedAt: RecordedAt(ctx)).canonicalBytes)
        state.set(StateKey.propertyStatus(p.unitNumber), status.canonicalBytes)
        return .ok
    }

    private static func release(_ p: ReleaseProperty, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard try Property.load(p.unitNumber, state) != nil else { return unknownProperty(p.unitNumber) }
        var status = try PropertyStatus.load(p.unitNumber, state)
        guard let active = status.activeSeizure, var seizure = try loadSeizure(p.unitNumber, active, state) else {
            return .reject(Codes.notSeized, "unit \(p.unitNumber) is not seized")
        }
        seizure.releaseCourtOrder = p.courtOrder
        seizure.releasedAt = RecordedAt(ctx)
        status.activeSeizure = nil
        state.set(StateKey.seizure(p.unitNumber, active), seizure.canonicalBytes)
        state.set(StateKey.propertyStatus(p.unitNumber), status.canonicalBytes)
        return .ok
    }

    static func loadSeizure(_ unit: UnitNumber, _ seq: UInt32, _ state: StateReader) throws(DamagedRecord) -> Seizure? {
        try DamagedRecord.load(Seizure.self, StateKey.seizure(unit, seq), state)
    }

    private static func unknownProperty(_ unit: UnitNumber) -> TxResult {
        .reject(Codes.unknownProperty, "unit \(unit) is not registered")
    }

    private static func seized(_ unit: UnitNumber, _ status: PropertyStatus, _ state: StateReader) throws(DamagedRecord) -> TxResult? {
        guard let active = status.activeSeizure else { return nil }
        let order = try loadSeizure(unit, active, state)?.courtOrder ?? "?"
        return .reject(Codes.propertySeized, "unit \(unit) is seized under court order \(order)")
    }

    // MARK: - Applications

    /// Admission's look at the owners' e-signatures: a signature present for a registered owner must be that
    /// owner's. Valid ones land in `SignatureMemo` for execution, which checks everything again (missing owners,
    /// missing signatures, and the property itself, which may be registered by then).
    private static func badConsent(_ p: MortgageApplication, chainID: String, _ state: StateReader) throws(DamagedRecord) -> TxResult? {
        guard let property = try Property.load(p.unitNumber, state) else { return nil }
        let consent = p.consentBytes(chainID: chainID)
        for m in p.mortgagors where !m.signature.isEmpty {
            guard let owner = property.owners.first(where: { $0.id == m.id }) else { continue }
            guard SignatureMemo.shared.verify(owner.publicKey, signature: m.signature, message: consent, keepParsed: false) else {
                return badSignature(m.id)
            }
        }
        return nil
    }

    private static func badSignature(_ id: ChainIdentity) -> TxResult {
        .reject(Codes.badMortgagorSignature, "the signature of mortgagor \(id) is not their registered key's signature of this application on this chain")
    }

    private static func apply(_ p: MortgageApplication, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard let property = try Property.load(p.unitNumber, state) else { return unknownProperty(p.unitNumber) }
        if let r = try seized(p.unitNumber, try PropertyStatus.load(p.unitNumber, state), state) { return r }

        // The mortgagors are exactly the registered owners, each consenting with their own registered key. People
        // are compared by commitment: a bank that has an owner's identity but not their salt names nobody's.
        var owners: [ChainIdentity: PropertyOwner] = [:]
        for o in property.owners { owners[o.id] = o }
        for m in p.mortgagors where owners[m.id] == nil {
            return .reject(Codes.notOwner, "mortgagor \(m.id) is not a registered owner of unit \(p.unitNumber)"
                           + (m.id.isPerson ? " (a person's commitment is computed from their identity and the salt on their title certificate)" : ""))
        }
        let listed = Set(p.mortgagors.map(\.id))
        for o in property.owners where !listed.contains(o.id) {
            return .reject(Codes.missingMortgagorSignature, "registered owner \(o.id) is not among the mortgagors")
        }
        let consent = p.consentBytes(chainID: ctx.chain.id)
        for m in p.mortgagors {
            let owner = owners[m.id]!
            guard !m.signature.isEmpty else {
                return .reject(Codes.missingMortgagorSignature, "mortgagor \(m.id) has not signed")
            }
            guard SignatureMemo.shared.verify(owner.publicKey, signature: m.signature, message: consent, keepParsed: false) else {
                return badSignature(m.id)
            }
        }

        // One consent, one live application: a refused application may be filed again, nothing else may.
        let digest = p.consentDigest(ctx.chain.hashSuite)
        if let prior = state.get(StateKey.mortgageConsent(digest)).flatMap(Hash.init),
           let record = try MortgageRecord.load(prior, state), record.state != .rejected {
            return .reject(Codes.duplicateApplication, "this consent was already used by application \(prior.hex) (\(record.state.rawValue))")
        }
        let id = ctx.txHash
        if state.get(StateKey.mortgage(id)) != nil {
            return .reject(Codes.duplicateApplication, "application \(id.hex) already exists")
        }

        let record = MortgageRecord(applicationId: id, application: p, appliedAt: RecordedAt(ctx))
        record.store(state)
        state.set(StateKey.mortgageConsent(digest), id.bytes)
        state.set(StateKey.bankFiling(p.mortgagee, height: ctx.height, txIndex: ctx.txIndex), id.bytes)
        return .ok
    }

    /// The application `id`, or UNKNOWN_APPLICATION.
    private static func application(_ id: Hash, _ state: StateReader) throws(DamagedRecord) -> Result<MortgageRecord, TxResult> {
        guard let r = try MortgageRecord.load(id, state) else {
            return .failure(.reject(Codes.unknownApplication, "no mortgage application \(id.hex)"))
        }
        return .success(r)
    }

    private static func alreadyDecided(_ r: MortgageRecord) -> TxResult {
        .reject(Codes.alreadyDecided, "application \(r.applicationId.hex) was already decided: it is \(r.state.rawValue)")
    }

    private static func approve(_ p: ApproveMortgage, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        var record: MortgageRecord
        switch try application(p.applicationId, state) {
        case .failure(let r): return r
        case .success(let r): record = r
        }
        guard record.state == .pending else { return alreadyDecided(record) }
        let unit = record.application.unitNumber
        var status = try PropertyStatus.load(unit, state)
        if let r = try seized(unit, status, state) { return r }

        // Priority is registration order on the unit; a discharged lien keeps its number and new ones continue.
        let priority = try DamagedRecord.next(after: status.lienCount, at: StateKey.propertyStatus(unit))
        let year = mortgageUTCYear(ofMilliseconds: ctx.time)
        let sequenceKey = StateKey.certificateSequence(year)
        let last = try DamagedRecord.count(UInt64.self, sequenceKey, state) ?? 0
        let sequence = try DamagedRecord.next(after: last, at: sequenceKey)
        let number = certificateNumber(year: year, sequence: sequence)
        if state.get(StateKey.certificate(number)) != nil {
            // Unreachable while the sequence is only ever advanced here; refuse rather than overwrite a certificate.
            return .reject(Codes.alreadyRegistered, "certificate number \(number) is already issued")
        }

        status.lienCount = priority
        record.state = .registered
        record.decidedAt = RecordedAt(ctx)
        record.certificateNumber = number
        record.priority = priority
        var seq = CanonicalWriter(capacity: 8)
        seq.u64(sequence)
        state.set(StateKey.certificateSequence(year), seq.bytes)
        state.set(StateKey.certificate(number), Lien.reference(unit, priority))
        state.set(StateKey.propertyStatus(unit), status.canonicalBytes)
        record.store(state)
        return .ok
    }

    /// `MR-<year>-<sequence>`: the UTC year of the approving block and the approval's sequence number within that
    /// year on this chain, zero-padded to 7 digits (wider past 9,999,999).
    static func certificateNumber(year: Int, sequence: UInt64) -> String {
        "MR-\(year)-\(MortgageKeys.pad(sequence, 7))"
    }

    private static func reject(_ p: RejectMortgage, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        var record: MortgageRecord
        switch try application(p.applicationId, state) {
        case .failure(let r): return r
        case .success(let r): record = r
        }
        guard record.state == .pending else { return alreadyDecided(record) }
        record.state = .rejected
        record.decidedAt = RecordedAt(ctx)
        record.rejectionReason = p.reason
        record.store(state)
        return .ok
    }

    // MARK: - Discharge

    private static func discharge(_ p: DischargeMortgage, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        var record: MortgageRecord
        switch try application(p.applicationId, state) {
        case .failure(let r): return r
        case .success(let r): record = r
        }
        guard record.application.mortgagee == tx.signer else {
            return .reject(Codes.notMortgagee, "only the mortgagee bank may apply to discharge mortgage \(record.applicationId.hex)")
        }
        switch record.state {
        case .registered: break
        case .pending, .rejected: return notRegistered(record)
        case .dischargeApplied: return .reject(Codes.dischargePending, "a discharge of \(record.applicationId.hex) is already awaiting registration")
        case .discharged: return alreadyDischarged(record)
        }
        record.state = .dischargeApplied
        record.dischargeAppliedAt = RecordedAt(ctx)
        record.store(state)
        return .ok
    }

    private static func registerDischarge(_ p: RegisterDischarge, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        var record: MortgageRecord
        switch try application(p.applicationId, state) {
        case .failure(let r): return r
        case .success(let r): record = r
        }
        switch record.state {
        case .dischargeApplied: break
        case .registered:
            return .reject(Codes.noDischargeApplication, "the mortgagee has not applied to discharge \(record.applicationId.hex)")
        case .pending, .rejected: return notRegistered(record)
        case .discharged: return alreadyDischarged(record)
        }
        record.state = .discharged
        record.dischargedAt = RecordedAt(ctx)
        record.store(state)
        return .ok
    }

    private static func notRegistered(_ r: MortgageRecord) -> TxResult {
        .reject(Codes.mortgageNotRegistered, "mortgage \(r.applicationId.hex) is \(r.state.rawValue), not registered")
    }

    private static func alreadyDischarged(_ r: MortgageRecord) -> TxResult {
        .reject(Codes.alreadyDischarged, "mortgage \(r.applicationId.hex) is already discharged")
    }
}
