import YongchainCore
/// Why a proof bundle does not prove what it claims. Each case has a stable code (docs/proofs.md, "Verifying"),
/// and `yongchain verify answer` exits with a code per case, so a bank's script can tell a malformed file from a
/// forged one.
public struct ProofFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        /// The bytes do not decode as a bundle (truncated, trailing bytes, out-of-range field).
        case malformed = "PROOF_MALFORMED"
        /// The header names another chain than the genesis file.
        case wrongChain = "PROOF_WRONG_CHAIN"
        /// A header's validator-set hash is not the set trusted at its height (from genesis and the bundle's
        /// validator-set changes).
        case wrongValidators = "PROOF_WRONG_VALIDATORS"
        /// A commit certificate does not certify its header with more than two thirds of the trusted power.
        case certificate = "PROOF_BAD_CERTIFICATE"
        /// A state entry's proof does not lead to the header's state root.
        case state = "PROOF_BAD_STATE"
        /// The answer needs a state entry the bundle does not prove.
        case unprovenRead = "PROOF_UNPROVEN_READ"
        /// The answer recomputed from the proven entries differs from the answer given.
        case answerMismatch = "PROOF_ANSWER_MISMATCH"
        /// The answer is proven, but at a height below the one the verifier demanded (`--min-height`).
        case heightTooLow = "PROOF_HEIGHT_TOO_LOW"
        /// The answer is proven, but its block time is older than the verifier allows (`--max-age`).
        case tooOld = "PROOF_TOO_OLD"
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var code: String { reason.rawValue }
    public var description: String { "\(code): \(message)" }
}
