/// Which validator set signs each height after a committed state, as the application's state says
/// (docs/governance.md). A change decided in block H signs from height H + `delay`: header H+1 already names it as
/// `nextValidatorsHash`, so every certificate is checked against a set some earlier certified header named. At most
/// one change is pending at a time, so the set before it (`previous`) and the new one (`current`) are all a node
/// needs for the heights it can reach from the state it holds.
public struct ValidatorSchedule: Sendable, Equatable, CanonicalCodable {
    /// Heights between the block that decides a change and the first height the new set signs.
    public static let delay: UInt64 = 2

    /// The set that signs heights below `from`; nil at genesis.
    public let previous: ValidatorSet?
    /// The set that signs `from` and later.
    public let current: ValidatorSet
    /// The first height `current` signs (1 at genesis).
    public let from: UInt64

    public init(previous: ValidatorSet?, current: ValidatorSet, from: UInt64) {
        self.previous = previous
        self.current = current
        self.from = from
    }

    /// The schedule of a new chain: genesis's validators sign from height 1.
    public init(genesis: ValidatorSet) { self.init(previous: nil, current: genesis, from: 1) }

    /// The set that signs `height`. Meaningful for heights up to the committed height + `delay`.
    public func set(at height: UInt64) -> ValidatorSet {
        if height < from, let previous { return previous }
        return current
    }

    /// The schedule after a change decided in block `decidedAt` to `next`: `current` keeps signing until then.
    public func changed(to next: ValidatorSet, decidedAt: UInt64) -> ValidatorSchedule {
        ValidatorSchedule(previous: current, current: next, from: decidedAt + ValidatorSchedule.delay)
    }

    /// Whether a change is decided but not yet signing at `height`.
    public func isPending(at height: UInt64) -> Bool { previous != nil && height < from }

    public func encode(to w: inout CanonicalWriter) {
        w.u64(from)
        w.item(current)
        if let previous { w.u8(1); w.item(previous) } else { w.u8(0) }
    }

    public init(from r: inout CanonicalReader) throws {
        from = try r.u64("schedule.from")
        current = try r.item()
        previous = try r.bool("schedule.previous") ? try r.item() : nil
    }
}
