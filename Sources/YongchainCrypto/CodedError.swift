/// A failure with a stable code and a sentence a person can act on: what a crypto routine, a key file, the node's
/// configuration or its start-up throws. One value for all of them (the code says what failed; the CLI prints
/// code and sentence the same way whichever layer threw it); `CryptoError` and `NodeError` name the layer at the
/// throw and catch sites.
public struct CodedError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}

/// A crypto routine's or key file's failure.
public typealias CryptoError = CodedError
