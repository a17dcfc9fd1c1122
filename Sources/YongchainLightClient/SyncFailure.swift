import YongchainCore

/// Why a member node refuses a redacted batch (docs/confidentiality.md). Each case has a stable code; the batch is
/// refused whole, nothing of it is stored, and the member asks another full node, counting the failure against
/// the one that served it.
public struct SyncFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        /// The bytes do not decode as a batch, or a header does not follow the one before it (height, previous
        /// block hash, chain), or names another set than the one trusted at its height.
        case badHeader = "SYNC_BAD_HEADER"
        /// A certificate does not commit its header with more than two thirds of the trusted set's power.
        case badCertificate = "SYNC_BAD_CERTIFICATE"
        /// An own transaction is not at its index in the header's transaction root, or its code is not in the
        /// results hash; or the next validator set is not the one the header names.
        case badInclusion = "SYNC_BAD_INCLUSION"
        /// The proven party log is not the one the member's transactions give: one was withheld (or the party
        /// proof is missing or does not lead to the state root).
        case incomplete = "SYNC_INCOMPLETE"
        /// More transactions were served than the party log counts: the full node gave out transactions of
        /// others (which pass inclusion, being real).
        case overshared = "SYNC_OVERSHARED"
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
