/// Why a `StateProof` does not prove what was claimed.
public enum StateProofError: Error, Sendable, Equatable, CustomStringConvertible {
    /// More than 256 siblings.
    case tooDeep(Int)
    /// The terminal leaf at depth D does not share the first D bits with the key's hash.
    case badTerminal
    /// The proof does not fold up to the expected root.
    case rootMismatch
    /// Membership was claimed but the terminal is empty or another key's leaf.
    case keyMismatch
    /// Membership was claimed and the key is present, with another value.
    case valueMismatch
    /// Absence was claimed but the terminal is the key's own leaf.
    case notAbsent

    /// A stable machine code.
    public var code: String {
        switch self {
        case .tooDeep: return "STATE_PROOF_TOO_DEEP"
        case .badTerminal: return "STATE_PROOF_BAD_TERMINAL"
        case .rootMismatch: return "STATE_PROOF_ROOT_MISMATCH"
        case .keyMismatch: return "STATE_PROOF_KEY_MISMATCH"
        case .valueMismatch: return "STATE_PROOF_VALUE_MISMATCH"
        case .notAbsent: return "STATE_PROOF_NOT_ABSENT"
        }
    }

    public var description: String {
        switch self {
        case .tooDeep(let n): return "\(code): \(n) siblings, at most 256"
        case .badTerminal: return "\(code): the proof's leaf is not on the key's path"
        case .rootMismatch: return "\(code): the proof does not lead to the expected state root"
        case .keyMismatch: return "\(code): the proof shows the key absent, not present"
        case .valueMismatch: return "\(code): the proof shows the key with a different value"
        case .notAbsent: return "\(code): the proof shows the key present, not absent"
        }
    }
}
