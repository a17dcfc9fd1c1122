import Glibc

/// The seam between the HTTP server/client and a secure-channel implementation (TLS 1.3 over OpenSSL today; a
/// national-crypto stack such as TLCP could implement the same two protocols without touching the server, the
/// client or the node).
///
/// A transport turns a connected, non-blocking TCP socket into a channel. The caller keeps owning the socket: it
/// waits for readiness (epoll or poll), closes the descriptor, and drops the channel after that.
public protocol SecureTransport: Sendable {
    /// Wraps `fd` for the server side (`isServer`) or the client side of a new connection. The handshake has not
    /// started; drive it with `SecureChannel.handshake()`.
    func channel(for fd: Int32, isServer: Bool) throws -> any SecureChannel
    /// A short name for status pages and logs, e.g. `TLSv1.3`.
    var protocolName: String { get }
}

/// A connection's bytes over a non-blocking socket, plain or secure: what the HTTP server and client read and
/// write, written once and never knowing which (swift-nio's HTTP handlers do not know whether TLS sits beneath
/// them). Plain TCP is `TCPChannel`; TLS is a `SecureChannel`. Not thread-safe: one thread at a time drives it.
///
/// Every call may answer `.wantRead` or `.wantWrite`: the caller waits for that readiness of the socket and calls
/// the same function again with the same arguments.
public protocol ByteChannel: AnyObject {
    /// Reads into `buffer`: `.done(n)` with n > 0, `.closed` at the peer's orderly close.
    func read(_ buffer: UnsafeMutableRawBufferPointer) -> ChannelIO
    /// Writes some of `bytes`: `.done(n)`, n > 0 bytes taken (a secure channel takes all or nothing). After
    /// `.wantRead`/`.wantWrite`, call again with the same bytes.
    func write(_ bytes: UnsafeRawBufferPointer) -> ChannelIO
    /// Sends an orderly close (TLS close_notify) without waiting for the peer's; nothing on plain TCP.
    func closeNotify()
    /// Whether the channel can hold input the socket no longer shows as readable (decrypted TLS records): a reader
    /// MUST then call `read` until it answers `.wantRead` before waiting on the socket. False on plain TCP, where a
    /// read shorter than the buffer means the socket is drained.
    var buffersInput: Bool { get }
}

/// One secure connection (TLS) over a non-blocking socket: a `ByteChannel` with a handshake and a peer identity.
public protocol SecureChannel: ByteChannel {
    /// Advances the handshake. `.done(0)` once it completed and the peer was accepted.
    func handshake() -> ChannelIO
    /// The identity the peer was accepted as: its authenticated Ed25519 public key (32 raw bytes), or the key its
    /// certificate's key binding names (`PeerCertificate`), as the policy answered; nil if it presented none.
    var peerPublicKey: [UInt8]? { get }
    /// Whether the handshake resumed an earlier session (a TLS 1.3 ticket).
    var resumed: Bool { get }
}

extension SecureChannel {
    public var buffersInput: Bool { true }
}

/// The outcome of one channel call.
public enum ChannelIO: Sendable, Equatable {
    case done(Int)
    case wantRead
    case wantWrite
    /// The peer closed the connection (close_notify or EOF).
    case closed
    case failed(SecureChannelFailure)
}

/// Why a channel failed. After a failure a secure channel sends nothing more (no close_notify).
public enum SecureChannelFailure: Sendable, Equatable {
    /// The peer's certificate was refused (not an accepted key), or it presented none where one is required.
    case peerRefused
    /// The peer sent plain HTTP instead of a TLS ClientHello.
    case plainHTTP
    /// The peer broke the protocol (garbage, wrong version, bad record, failed handshake); the reason for logs.
    case protocolError(String)
    /// A socket call failed (errno).
    case io(Int32)
}

extension SecureChannelFailure {
    /// The peer reset the connection (or it broke while sending): nothing more can be read or written.
    var isReset: Bool {
        if case .io(let err) = self { return err == ECONNRESET || err == EPIPE }
        return false
    }
}
