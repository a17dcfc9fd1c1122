import Glibc

/// A failure of the HTTP client or of starting the server.
///
/// `code` is stable and meant for programs; `message` is a sentence for people and says what was being done.
/// Codes:
/// - `BIND_FAILED`: the server could not resolve, bind or listen on its address.
/// - `INVALID_LIMITS`: the server's connection limits contradict each other (`HTTPServerLimits`).
/// - `INVALID_URL`, `INVALID_REQUEST`: the caller passed something that cannot be sent (bad URL, CR/LF in a header).
/// - `CONNECT_FAILED`: no connection could be made (refused, unreachable, or connect timed out). Nothing was sent.
/// - `TIMEOUT`: the request was (possibly partly) sent but no complete response arrived in time.
/// - `CONNECTION_CLOSED`: the peer closed or reset the connection before a complete response arrived.
/// - `BAD_RESPONSE`: the peer answered with something that is not an HTTP/1.x response we accept.
/// - `RESPONSE_TOO_LARGE`: the response exceeded `HTTPClientOptions.maxResponseBytes`.
/// - `IO_FAILED`: a socket call failed for another reason (see `errno`).
/// - `TLS_FAILED`: the client's TLS handshake failed, timed out, or the server's key was not accepted. Nothing was
///   sent.
/// - `TLS_SETUP_FAILED`: a TLS identity or context could not be made (a key that is not Ed25519 where one must be,
///   a certificate that does not match its key, an OpenSSL failure).
public struct HTTPError: Error, Sendable, CustomStringConvertible, Equatable {
    public var code: String
    public var message: String
    /// The POSIX errno behind the failure, when there was one.
    public var errno: Int32?

    public init(code: String, message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String {
        if let errno {
            return "\(code): \(message) (errno \(errno): \(String(cString: strerror(errno))))"
        }
        return "\(code): \(message)"
    }
}
