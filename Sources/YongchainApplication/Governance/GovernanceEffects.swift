import YongchainCore
import YongchainCrypto

/// What a governance action changes, and whether it may: checked when it is proposed and again when it passes
/// (something may have changed in between), against the state it will change. docs/governance.md, "Rules".
///
///  1. The members it names exist (UNKNOWN_MEMBER); a new name is free (NAME_IN_USE); a new key is nobody's
///     (KEY_IN_USE) and was never revoked (KEY_REVOKED).
///  2. If it changes the validator set: no other change is pending (VALIDATOR_CHANGE_PENDING); the new set is not
///     empty, holds at most 1,000 validators, and the power it moves, times 3, is below the current set's total
///     (WOULD_BREAK_QUORUM). Moved power: an added or removed validator's power, a rotated validator's power,
///     |new − old| for a power change.
///  3. Parameters and rules are range-checked (INVALID_FIELD) by the payload already.
///  4. A validator, now or by a decided change, runs a full node: `member.setNode` to `member` for one, or
///     `validator.setPower` > 0 for a member node, is refused (VALIDATOR_MUST_BE_FULL).
enum GovernanceEffects {
    /// A checked action: what it will write.
    struct Plan {
        /// The member it concerns (the existing one; for `member.add`, the new one).
        var member: Member?
        /// The validator set from decided height + `ValidatorSchedule.delay`, if the action changes it.
        var newSet: ValidatorSet?
        var schedule: ValidatorSchedule
        /// For `greylist.addVrfKey`: the grey-list's keys as they are (empty when none is held yet).
        var vrfKeys: GreylistKeyRing?
    }

    /// Steps 1 and 2 for `action` executing in block `height`.
    /// A record it reads that does not decode throws, never a refusal: a passed proposal must not fail (and be
    /// committed as failed) for damage.
    static func plan(_ action: GovernanceAction, height: UInt64, chainID: String, _ state: StateReader) throws(DamagedRecord) -> Result<Plan, TxResult> {
        let schedule: ValidatorSchedule
        do { schedule = try LedgerApplication().validatorSchedule(state: state) } catch {
            return .failure(.reject(Codes.stateUnreadable, "the validator schedule cannot be read: \(error)"))
        }
        let current = schedule.current
        var plan = Plan(member: nil, newSet: nil, schedule: schedule)
        let moved: UInt64
        var validators = current.validators

        // 1. Members and keys.
        switch action {
        case .addMember(let m):
            if state.get(StateKey.memberName(m.name)) != nil { return .failure(.reject(Codes.nameInUse, "a member is, or was, named \(m.name)")) }
            if let r = try keyFree(m.publicKey, state) { return .failure(r) }
            plan.member = m.member
            guard m.power > 0 else { return .success(plan) }
            validators.append(Validator(name: m.name, publicKey: m.publicKey, power: m.power))
            moved = m.power
        case .removeMember(let name):
            guard let m = try Governance.member(name: name, state) else { return .failure(unknown(name)) }
            plan.member = m
            guard let i = current.index(of: m.publicKey) else { return .success(plan) }
            moved = validators.remove(at: i).power
        case .rotateKey(let name, let key):
            guard let m = try Governance.member(name: name, state) else { return .failure(unknown(name)) }
            guard key != m.publicKey else { return .failure(.reject(Codes.invalidField, "action.newPublicKey: that is already \(name)'s key")) }
            if let r = try keyFree(key, state) { return .failure(r) }
            plan.member = m
            guard let i = current.index(of: m.publicKey) else { return .success(plan) }
            moved = validators[i].power
            validators[i] = Validator(name: validators[i].name, publicKey: key, power: validators[i].power)
        case .setPower(let name, let power):
            guard let m = try Governance.member(name: name, state) else { return .failure(unknown(name)) }
            plan.member = m
            if let i = current.index(of: m.publicKey) {
                let old = validators[i].power
                guard power != old else { return .failure(.reject(Codes.invalidField, "action.power: \(name)'s power is already \(power)")) }
                moved = power > old ? power - old : old - power
                if power == 0 { validators.remove(at: i) } else { validators[i] = Validator(name: validators[i].name, publicKey: m.publicKey, power: power) }
            } else {
                guard power > 0 else { return .failure(.reject(Codes.invalidField, "action.power: \(name) is not a validator; its power is already 0")) }
                guard m.node == .full else { return .failure(mustBeFull(name)) }
                validators.append(Validator(name: m.name, publicKey: m.publicKey, power: power))
                moved = power
            }
        case .setNode(let name, let node):
            guard let m = try Governance.member(name: name, state) else { return .failure(unknown(name)) }
            guard node != m.node else { return .failure(.reject(Codes.invalidField, "action.node: \(name) already runs a \(node.rawValue) node")) }
            if node != .full, current.index(of: m.publicKey) != nil || schedule.previous?.index(of: m.publicKey) != nil {
                return .failure(mustBeFull(name))
            }
            plan.member = m
            return .success(plan)
        case .setParameters, .setRules, .setLimits, .setGreylistParameters:
            return .success(plan)
        case .addVRFKey(let bytes, let proof):
            plan.vrfKeys = try GreylistKeyRing.load(state) ?? GreylistKeyRing(versions: [])
            _ = try DamagedRecord.next(after: plan.vrfKeys!.versions.last?.version ?? 0, at: StateKey.greylistKeys)
            if let refusal = vrfKeyRefusal(bytes, proof: proof, chainID: chainID, held: plan.vrfKeys!.versions, state) { return .failure(refusal) }
            return .success(plan)
        }

        // 2. The validator set: one change at a time, never a third of the power at once.
        // A new change only once the last one signs this very block: the rules read at any tip then know every
        // set from the tip to two heights on (the previous set still signed the tip, docs/governance.md).
        if schedule.isPending(at: height) {
            return .failure(.reject(Codes.validatorChangePending,
                                    "a validator-set change is already decided and takes effect at height \(schedule.from); propose again from then"))
        }
        guard !validators.isEmpty else { return .failure(.reject(Codes.wouldBreakQuorum, "the change would leave no validator")) }
        guard validators.count <= ValidatorSet.maxValidators else {
            return .failure(.reject(Codes.wouldBreakQuorum, "the change would make \(validators.count) validators; at most \(ValidatorSet.maxValidators)"))
        }
        guard moved * 3 < current.totalPower else {
            return .failure(.reject(Codes.wouldBreakQuorum,
                                    "the change moves \(moved) of the set's \(current.totalPower) voting power; less than a third (\(maxMove(current.totalPower)) at most) may change at once"))
        }
        plan.newSet = ValidatorSet(validators)
        return .success(plan)
    }

    /// Applies a checked action in block `height`: members and keys, parameters and rules at once (they bite from
    /// the next block), the validator set from `height + ValidatorSchedule.delay`. Returns the first height the
    /// action is in force. `forced`: a rotation proposed by someone other than the member.
    static func apply(_ action: GovernanceAction, _ plan: Plan, forced: Bool, height: UInt64, _ state: StateOverlay) -> UInt64 {
        switch action {
        case .addMember(let m):
            state.set(StateKey.member(m.publicKey), m.member.canonicalBytes)
            state.set(StateKey.memberName(m.name), Array(m.publicKey.text.utf8))
        case .removeMember(let name):
            let m = plan.member!
            state.delete(StateKey.member(m.publicKey))
            // The name stays taken (by the removed key, which names no member now): parties and party logs are kept
            // by name, so a newcomer admitted under it would be served the removed member's transactions.
            state.set(StateKey.revoked(m.publicKey), Revocation(name: name, height: height, reason: .removed, replacedBy: nil).canonicalBytes)
        case .rotateKey(let name, let key):
            let m = plan.member!
            state.delete(StateKey.member(m.publicKey))
            state.set(StateKey.member(key), m.rekeyed(key).canonicalBytes)
            state.set(StateKey.memberName(name), Array(key.text.utf8))
            state.set(StateKey.revoked(m.publicKey),
                      Revocation(name: name, height: height, reason: forced ? .forced : .rotated, replacedBy: key).canonicalBytes)
        case .setPower:
            break
        case .setNode(_, let node):
            state.set(StateKey.member(plan.member!.publicKey), plan.member!.running(node).canonicalBytes)
        case .setParameters(let p):
            state.set(StateKey.consensusParameters, p.canonicalBytes)
        case .setRules(let r):
            state.set(StateKey.governanceRules, r.canonicalBytes)
        case .setLimits(let l):
            state.set(StateKey.governanceLimits, l.canonicalBytes)
        case .addVRFKey(let bytes, _):
            var ring = plan.vrfKeys!
            let version = (ring.versions.last?.version ?? 0) + 1   // below its maximum: `plan` checked
            ring.versions.append(.init(version: version, key: bytes, fromHeight: height + 1))
            ring.save(state)
            var w = CanonicalWriter()
            w.u32(version)
            state.set(StateKey.greylistUsedKey(bytes), w.bytes)
        case .setGreylistParameters(let p):
            state.set(StateKey.greylistParameters, p.canonicalBytes)
        }
        guard let next = plan.newSet else { return height + 1 }
        LedgerApplication.write(plan.schedule.changed(to: next, decidedAt: height), state: state)
        return height + ValidatorSchedule.delay
    }

    /// Nil when `bytes` may become the grey-list's next VRF key: a compressed P-256 point (VRF_KEY_INVALID) whose
    /// holder proved it for this chain (VRF_PROOF_INVALID, VRF_PROOF_MALFORMED), never held before, in force or
    /// retired (GREYLIST_KEY_REUSED), fewer than two versions held (GREYLIST_KEY_LIMIT).
    static func vrfKeyRefusal(_ bytes: [UInt8], proof: [UInt8], chainID: String, held: [GreylistKeyRing.Version], _ state: StateReader) -> TxResult? {
        let key: VRFPublicKey
        do { key = try VRFPublicKey(bytes: bytes) } catch {
            return .reject(Codes.Greylist.vrfKeyInvalid, "action.vrfKey: \((error as? CryptoError)?.message ?? "\(error)")")
        }
        if let refusal = GreylistKeyPossession.refusal(key: key, proof: proof, chainID: chainID) { return refusal }
        // The ring too: a key admitted before `greylist/used-key` was written has no record there.
        if let v = held.first(where: { $0.key == bytes }) {
            return .reject(Codes.Greylist.keyReused, "action.vrfKey: that key is version \(v.version), in force")
        }
        if state.get(StateKey.greylistUsedKey(bytes)) != nil {
            return .reject(Codes.Greylist.keyReused, "action.vrfKey: that key was held before and retired; a VRF key is admitted once")
        }
        guard held.count < GreylistLimits.maxKeyVersions, held.last?.version ?? 0 < UInt32.max else {
            return .reject(Codes.Greylist.keyLimit, "two VRF key versions are held; retire the older (greylist.retireKey) first")
        }
        return nil
    }

    /// The most power that may move at once out of `total`: the largest m with 3m < total.
    static func maxMove(_ total: UInt64) -> UInt64 { total == 0 ? 0 : (total - 1) / 3 }

    static func unknown(_ name: String) -> TxResult { .reject(Codes.unknownMember, "no member is named \(name)") }

    static func mustBeFull(_ name: String) -> TxResult {
        .reject(Codes.validatorMustBeFull, "\(name) is or will be a validator, and a validator runs a full node")
    }

    /// Nil when `key` may become a member's key: no member or enterprise holds it and it was never revoked.
    static func keyFree(_ key: PublicKey, _ state: StateReader) throws(DamagedRecord) -> TxResult? {
        if let rev = try Governance.revocation(key, state) {
            return .reject(Codes.keyRevoked, "\(key.keyID) was \(rev.name)'s key until height \(rev.height) (\(rev.reason.rawValue)); a revoked key never comes back")
        }
        if state.get(StateKey.member(key)) != nil || state.get(StateKey.enterpriseKey(key)) != nil {
            return .reject(Codes.keyInUse, "that public key already belongs to another party")
        }
        return nil
    }
}
