import YongchainCore
import YongchainCrypto

extension Governance {
    static let handlers: [TxHandler] = [
        .make(ProposeGovernance.self, check: { (p, tx, state) throws(DamagedRecord) in
            if case .failure(let r) = Member.signer(tx.signer, state) { return r }
            let most = try limits(state).maxDescriptionBytes
            guard UInt64(p.description.utf8.count) <= most else {
                return .reject(Codes.descriptionTooLong, "description: \(p.description.utf8.count) bytes; the limits allow at most \(most)")
            }
            return nil
        }, execute: propose),

        .make(VoteGovernance.self, check: { _, tx, state in
            if case .failure(let r) = Member.signer(tx.signer, state) { return r }
            return nil
        }, execute: vote),
    ]

    /// KEY_REVOKED for a revoked signer (`Member.signer` asks when a key is no member's).
    static func refuseRevoked(_ key: PublicKey, _ state: StateReader) -> TxResult? {
        let revoked: Revocation?
        do { revoked = try revocation(key, state) } catch { return error.result }
        guard let rev = revoked else { return nil }
        return .reject(Codes.keyRevoked,
                       "the signing key \(key.keyID) was \(rev.name)'s and was revoked at height \(rev.height) (\(rev.reason.rawValue)); sign with the member's current key")
    }

    // MARK: governance.propose
    //
    //  1. The signer is a member (UNKNOWN_SIGNER; KEY_REVOKED before that); the description is within the
    //     limits (DESCRIPTION_TOO_LONG).                                                           check
    //  2. If the rules say `voters`, the signer is a validator of the next height (NOT_A_PROPOSER).
    //  3. The signer has fewer proposals taking votes than the limits allow (TOO_MANY_OPEN_PROPOSALS).
    //  4. The action could be applied now (`GovernanceEffects.plan`: UNKNOWN_MEMBER, NAME_IN_USE, KEY_IN_USE,
    //     KEY_REVOKED, VALIDATOR_CHANGE_PENDING, WOULD_BREAK_QUORUM, INVALID_FIELD).
    //  5. The proposal gets the next id; its voters are the set signing height + 1, with their powers; its
    //     threshold and deadline come from the rules now in force. It is indexed (`ProposalIndex`). The outcome's message
    //     is `proposal <id>`, so whoever proposed learns the id from the transaction's result.
    //  6. Proposals past their retention leave state (at most `ProposalIndex.prunePerTransaction`).

    static func propose(_ p: ProposeGovernance, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        let proposer: Member
        switch Member.signer(tx.signer, state) {
        case .success(let m): proposer = m
        case .failure(let r): return r
        }
        let schedule: ValidatorSchedule
        do { schedule = try LedgerApplication().validatorSchedule(state: state) } catch {
            return .reject(Codes.stateUnreadable, "the validator schedule cannot be read: \(error)")
        }
        let voterSet = schedule.set(at: ctx.height + 1)
        let r = try rules(state)
        // 2.
        if r.proposers == .voters, voterSet.index(of: tx.signer) == nil {
            return .reject(Codes.notAProposer, "the rules let only validators propose, and \(proposer.name) is not one")
        }
        // 3.
        let l = try limits(state)
        let open = try ProposalIndex.openCount(proposer.name, now: ctx.time, state)
        guard UInt64(open) < l.maxOpenProposalsPerMember else {
            return .reject(Codes.tooManyOpenProposals,
                           "\(proposer.name) already has \(open) proposals taking votes, the most the limits allow; wait until one is decided or expires")
        }
        // 4.
        if case .failure(let refusal) = try GovernanceEffects.plan(p.action, height: ctx.height, chainID: ctx.chain.id, state) { return refusal }
        // 5.
        let id = try nextID(state)
        let following = try DamagedRecord.next(after: id, at: StateKey.governanceNextID)
        let voters = voterSet.validators.map { ProposalVoter(name: $0.name, publicKey: $0.publicKey, power: $0.power) }
        let proposal = GovernanceProposal(id: id, action: p.action, description: p.description, proposer: proposer, createdHeight: ctx.height,
                                createdTime: ctx.time, rules: r, voters: voters)
        proposal.save(state)
        try ProposalIndex.opened(proposal, limits: l, now: ctx.time, state)
        var w = CanonicalWriter()
        w.u64(following)
        state.set(StateKey.governanceNextID, w.bytes)
        // 6.
        try ProposalIndex.prune(now: ctx.time, state)
        return TxResult(code: TxResult.okCode, message: "proposal \(id)")
    }

    /// The id the next proposal gets; 1 before the first. A stored value that does not decode is damage, never 1
    /// again (that would give a new proposal an id already used).
    public static func nextID(_ state: StateReader) throws(DamagedRecord) -> UInt64 {
        try DamagedRecord.count(UInt64.self, StateKey.governanceNextID, state) ?? 1
    }

    // MARK: governance.vote
    //
    //  1. The proposal exists (PROPOSAL_NOT_FOUND), is open (PROPOSAL_CLOSED) and its deadline has not passed
    //     at this block's time (PROPOSAL_EXPIRED).
    //  2. The signer is one of its voters: the key snapshotted at creation, or the current key of that member
    //     after rotations (NOT_A_VOTER); it has not voted (ALREADY_VOTED).
    //  3. The vote is recorded. If yes-power now passes the threshold, the action is applied in this transaction;
    //     if applying is refused now (state changed since proposing), the proposal is `failed` with that code and
    //     the vote itself still succeeds. If no-power now makes passing impossible, the proposal is `rejected`.
    //     A decided proposal moves in the indexes and leaves state the retention after this block's time.
    //  4. Proposals past their retention leave state (at most `ProposalIndex.prunePerTransaction`).

    static func vote(_ p: VoteGovernance, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        // 1.
        guard var proposal = try GovernanceProposal.load(p.proposal, state) else {
            return .reject(Codes.proposalNotFound, try p.proposal < nextID(state)
                ? "proposal \(p.proposal) was decided or expired longer ago than the limits' retention, and left state"
                : "no proposal \(p.proposal)")
        }
        guard proposal.status == .open else {
            return .reject(Codes.proposalClosed, "proposal \(p.proposal) is already \(proposal.status.rawValue) (at height \(proposal.decidedHeight))")
        }
        guard ctx.time <= proposal.deadline else {
            return .reject(Codes.proposalExpired, "proposal \(p.proposal)'s voting period ended at \(proposal.deadline) (block time now \(ctx.time))")
        }
        // 2.
        var voter: ProposalVoter?
        for v in proposal.voters where try currentKey(v.publicKey, state) == tx.signer { voter = v; break }
        guard let voter else {
            return .reject(Codes.notAVoter, "the signer is not among proposal \(p.proposal)'s voters (the validators when it was created)")
        }
        // Names compare as bytes, as their state keys do (String equality would merge canonically equal names).
        guard !proposal.votes.contains(where: { $0.voter.utf8.elementsEqual(voter.name.utf8) }) else {
            return .reject(Codes.alreadyVoted, "\(voter.name) has already voted on proposal \(p.proposal)")
        }
        // 3.
        proposal.votes.append(ProposalVote(voter: voter.name, approve: p.approve, height: ctx.height))
        if p.approve { proposal.yesPower += voter.power } else { proposal.noPower += voter.power }
        let total = proposal.totalPower
        let (num, den) = (proposal.thresholdNumerator, proposal.thresholdDenominator)
        if GovernanceRules.passes(yes: proposal.yesPower, total: total, numerator: num, denominator: den) {
            proposal.decidedHeight = ctx.height
            switch try GovernanceEffects.plan(proposal.action, height: ctx.height, chainID: ctx.chain.id, state) {
            case .success(let plan):
                let forced: Bool
                if case .rotateKey(let name, _) = proposal.action { forced = !proposal.proposerName.utf8.elementsEqual(name.utf8) } else { forced = false }
                proposal.effectiveHeight = GovernanceEffects.apply(proposal.action, plan, forced: forced, height: ctx.height, state)
                proposal.status = .passed
                proposal.outcomeCode = TxResult.okCode
                proposal.outcomeMessage = "passed with \(proposal.yesPower) of \(total) voting power; in force from height \(proposal.effectiveHeight)"
            case .failure(let refusal):
                proposal.status = .failed
                proposal.outcomeCode = refusal.code
                proposal.outcomeMessage = "passed with \(proposal.yesPower) of \(total) voting power, but could not be applied: \(refusal.message)"
            }
        } else if GovernanceRules.blocks(no: proposal.noPower, total: total, numerator: num, denominator: den) {
            proposal.decidedHeight = ctx.height
            proposal.status = .rejected
            proposal.outcomeCode = Codes.proposalRejected
            proposal.outcomeMessage = "\(proposal.noPower) of \(total) voting power voted no: it can no longer pass"
        }
        proposal.save(state)
        if proposal.status != .open { try ProposalIndex.decided(proposal, limits: try limits(state), now: ctx.time, state) }
        // 4.
        try ProposalIndex.prune(now: ctx.time, state)
        return .ok
    }

    /// The key a member holds now, starting from one it held: follows `replacedBy` through its rotations. A key
    /// never revoked is its own current key; a removed member's key has none (nil).
    static func currentKey(_ key: PublicKey, _ state: StateReader) throws(DamagedRecord) -> PublicKey? {
        var k = key
        // Each hop is a passed rotation and a revoked key never comes back, so the chain ends; the bound is only
        // a guard against a corrupt store.
        for _ in 0..<10_000 {
            guard let rev = try revocation(k, state) else { return k }
            guard let next = rev.replacedBy else { return nil }
            k = next
        }
        return nil
    }
}
