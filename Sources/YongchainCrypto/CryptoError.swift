/// A crypto failure with a stable code and a sentence a person can act on.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}
