import COpenSSL
import Glibc

/// TLS 1.3 (and nothing older) over the system's libssl, authenticated by Ed25519 keys instead of a CA.
///
/// Each side presents its `TLSIdentity` (a self-signed certificate over its key). The peer's certificate is
/// accepted only if it is a single Ed25519 certificate that `acceptPeer` accepts, by its key or by the key binding
/// it carries (`PeerCertificate`); the certificate's issuer, dates and self-signature do not matter, because the
/// handshake's CertificateVerify already proves the peer holds the key. `acceptPeer` is called for every
/// handshake, resumed ones included, so a key the node stops accepting (a member removed) is refused from then on.
///
/// - Server: peers MAY present a certificate (nodes do; a bank's client usually does not). One that is presented
///   and refused fails the handshake. Stateless TLS 1.3 session tickets let returning API clients resume.
/// - Client: the server MUST present an accepted certificate (a bank pins the node's key this way). A node's
///   client offers only Ed25519 signatures, so a server holding a second certificate presents the node one.
/// - Browsers cannot verify Ed25519 certificates. A server may hold a second, ECDSA or RSA, certificate
///   (`webIdentity`) that OpenSSL presents only to clients that do not offer Ed25519; every client that does (curl,
///   Python, Java 15+, the nodes) gets the Ed25519 one, because the server's preference decides.
public final class OpenSSLTransport: SecureTransport, @unchecked Sendable {  // SSL_CTX is safe to share once set up
    let context: OpaquePointer
    private let policy: PeerPolicy
    public let isServer: Bool
    public var protocolName: String { "TLSv1.3" }

    /// A server transport presenting `identity`. `acceptPeer` gets the raw 32-byte Ed25519 key of a client that
    /// presents a certificate.
    public static func server(identity: TLSIdentity, webIdentity: TLSIdentity? = nil,
                              acceptPeer: @escaping @Sendable ([UInt8]) -> Bool) throws -> OpenSSLTransport
    {
        try server(identity: identity, webIdentity: webIdentity, identifyPeer: PeerPolicy.byKey(acceptPeer))
    }

    /// A server transport presenting `identity`. `identifyPeer` gets the certificate of a client that presents
    /// one, and answers the identity it is accepted as (the bytes `peerPublicKey` then holds), or nil to refuse it.
    public static func server(identity: TLSIdentity, webIdentity: TLSIdentity? = nil,
                              identifyPeer: @escaping @Sendable (PeerCertificate) -> [UInt8]?) throws -> OpenSSLTransport
    {
        if let webIdentity, webIdentity.isEd25519 {
            throw TLSIdentity.setupFailed("the certificate for browsers must be ECDSA or RSA: the Ed25519 one is the node's own")
        }
        return try OpenSSLTransport(isServer: true, identity: identity, webIdentity: webIdentity,
                                    policy: PeerPolicy(certificateRequired: false, identify: identifyPeer))
    }

    /// A client transport: presents `identity` if given (a node) — at each handshake only while
    /// `presentIdentity` says so, when given (a node presents its key once the consortium admits it: servers refuse
    /// a key they do not accept) — and accepts a server only if it presents a certificate over a key `acceptPeer`
    /// accepts.
    public static func client(identity: TLSIdentity?, presentIdentity: (@Sendable () -> Bool)? = nil,
                              acceptPeer: @escaping @Sendable ([UInt8]) -> Bool) throws -> OpenSSLTransport
    {
        try client(identity: identity, presentIdentity: presentIdentity, identifyPeer: PeerPolicy.byKey(acceptPeer))
    }

    /// As `client(identity:presentIdentity:acceptPeer:)`, the server accepted by `identifyPeer` (see `server`).
    public static func client(identity: TLSIdentity?, presentIdentity: (@Sendable () -> Bool)? = nil,
                              identifyPeer: @escaping @Sendable (PeerCertificate) -> [UInt8]?) throws -> OpenSSLTransport
    {
        try OpenSSLTransport(isServer: false, identity: identity,
                             policy: PeerPolicy(certificateRequired: true, identify: identifyPeer, present: presentIdentity))
    }

    /// Signature algorithms in the server's order of preference: Ed25519 first (the node key), then what an
    /// operator's ECDSA or RSA certificate needs.
    private static let serverSignatureAlgorithms =
        "ed25519:ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pss_pss_sha256"

    private init(isServer: Bool, identity: TLSIdentity?, webIdentity: TLSIdentity? = nil, policy: PeerPolicy) throws {
        Self.ignoreSIGPIPE
        guard let context = SSL_CTX_new(isServer ? TLS_server_method() : TLS_client_method()) else {
            throw TLSIdentity.setupFailed("cannot create a TLS context: \(openSSLReason())")
        }
        self.context = context
        self.policy = policy
        self.isServer = isServer
        var ok = yc_SSL_CTX_set_min_proto_version(context, yc_TLS1_3_VERSION) == 1
        _ = SSL_CTX_set_options(context, yc_SSL_OP_IGNORE_UNEXPECTED_EOF | yc_SSL_OP_NO_RENEGOTIATION)
        // The write buffer may move between retries (a Swift array). Buffers are kept while a connection lives
        // (about 34 KiB each): releasing them when empty (SSL_MODE_RELEASE_BUFFERS) doubled the CPU TLS adds to a
        // small keep-alive request.
        _ = yc_SSL_CTX_set_mode(context, yc_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        for id in [identity, webIdentity].compactMap({ $0 }) {
            ok = ok && SSL_CTX_use_certificate(context, id.certificate) == 1
                && SSL_CTX_use_PrivateKey(context, id.privateKey) == 1
                && SSL_CTX_check_private_key(context) == 1
            for c in id.chain { ok = ok && yc_SSL_CTX_add1_chain_cert(context, c) == 1 }
        }
        if isServer {
            // The server's preference decides which certificate a client gets: the node's, if it speaks Ed25519.
            _ = SSL_CTX_set_options(context, yc_SSL_OP_CIPHER_SERVER_PREFERENCE)
            ok = ok && yc_SSL_CTX_set1_sigalgs_list(context, Self.serverSignatureAlgorithms) == 1
            // Resumption with client certificates requires a session id context; tickets are stateless.
            let sid: [UInt8] = Array("yongchain".utf8)
            ok = ok && SSL_CTX_set_session_id_context(context, sid, UInt32(sid.count)) == 1
            _ = yc_SSL_CTX_set_session_cache_mode(context, yc_SSL_SESS_CACHE_SERVER)
            ok = ok && SSL_CTX_set_num_tickets(context, 2) == 1
        } else if identity != nil {
            ok = ok && yc_SSL_CTX_set1_sigalgs_list(context, "ed25519") == 1
        }
        guard ok else {
            let reason = openSSLReason()
            SSL_CTX_free(context)
            throw TLSIdentity.setupFailed("cannot configure the TLS context: \(reason)")
        }
        // The verify callback finds the policy through the context's application data; `self` keeps it alive.
        SSL_CTX_set_ex_data(context, 0, Unmanaged.passUnretained(policy).toOpaque())
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, verifyPeer)
        if !isServer, identity != nil, policy.present != nil { SSL_CTX_set_cert_cb(context, chooseClientCertificate, nil) }
    }

    /// OpenSSL writes to its socket with `send(..., 0)`, so a peer that resets the connection mid-write would raise
    /// SIGPIPE and end the process; a plain socket here uses MSG_NOSIGNAL instead. Making a TLS transport therefore
    /// ignores SIGPIPE for the process (once), unless the program installed its own handler.
    private static let ignoreSIGPIPE: Void = {
        var current = sigaction()
        if sigaction(SIGPIPE, nil, &current) == 0 && current.__sigaction_handler.sa_handler == nil {  // SIG_DFL
            signal(SIGPIPE, SIG_IGN)
        }
    }()

    deinit { SSL_CTX_free(context) }

    public func channel(for fd: Int32, isServer: Bool) throws -> any SecureChannel {
        precondition(isServer == self.isServer, "a TLS context serves one side only")
        return try OpenSSLChannel(context: context, fd: fd, isServer: isServer, policy: policy)
    }
}

/// What a peer's certificate offers to be accepted by: its Ed25519 key (the key the handshake proved it holds) and
/// the key binding it carries, if any (`TLSIdentity.selfSigned(binding:)`: another key's statement that this TLS
/// key is its own, e.g. an SM2 member key's, which TLS 1.3 cannot use itself). Only the taker of the binding can
/// check it: this layer knows no signature algorithm but the handshake's.
public struct PeerCertificate: Sendable {
    public let key: [UInt8]
    public let binding: [UInt8]?

    public init(key: [UInt8], binding: [UInt8]?) {
        self.key = key
        self.binding = binding
    }
}

/// Which peers a transport accepts, and as whom.
final class PeerPolicy: Sendable {
    let certificateRequired: Bool
    let identify: @Sendable (PeerCertificate) -> [UInt8]?
    /// A client's choice, per handshake, to present its certificate (nil: always, when it has one).
    let present: (@Sendable () -> Bool)?

    init(certificateRequired: Bool, identify: @escaping @Sendable (PeerCertificate) -> [UInt8]?, present: (@Sendable () -> Bool)? = nil) {
        self.certificateRequired = certificateRequired
        self.identify = identify
        self.present = present
    }

    /// Accepts a peer by its certificate's key alone, as that key.
    static func byKey(_ accept: @escaping @Sendable ([UInt8]) -> Bool) -> @Sendable (PeerCertificate) -> [UInt8]? {
        { accept($0.key) ? $0.key : nil }
    }

    /// The identity of a peer presenting `certificate`, or nil (not Ed25519, or refused).
    func identity(_ certificate: OpaquePointer) -> [UInt8]? {
        guard let key = ed25519PublicKey(certificate: certificate) else { return nil }
        return identify(PeerCertificate(key: key, binding: keyBinding(certificate: certificate)))
    }
}

/// A client's certificate callback (OpenSSL calls it when a server asks for a certificate): clears this
/// connection's certificate while the policy says not to present it, so the handshake goes on without one.
private let chooseClientCertificate: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { ssl, _ in
    guard let ssl, let context = SSL_get_SSL_CTX(ssl), let box = SSL_CTX_get_ex_data(context, 0) else { return 1 }
    let policy = Unmanaged<PeerPolicy>.fromOpaque(box).takeUnretainedValue()
    if let present = policy.present, !present() { SSL_certs_clear(ssl) }
    return 1
}

/// OpenSSL's certificate check, replaced: only the leaf (depth 0) is looked at, and only its key. Rejections are
/// marked `X509_V_ERR_APPLICATION_VERIFICATION` so the channel can tell a refused peer from a broken one.
private let verifyPeer: @convention(c) (Int32, OpaquePointer?) -> Int32 = { _, store in
    guard let store else { return 0 }
    func refuse() -> Int32 {
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION)
        return 0
    }
    guard X509_STORE_CTX_get_error_depth(store) == 0,
          let ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
          let context = SSL_get_SSL_CTX(OpaquePointer(ssl)),
          let box = SSL_CTX_get_ex_data(context, 0),
          let certificate = X509_STORE_CTX_get_current_cert(store)
    else { return refuse() }
    let policy = Unmanaged<PeerPolicy>.fromOpaque(box).takeUnretainedValue()
    return policy.identity(certificate) != nil ? 1 : refuse()
}

/// One TLS connection (`SecureChannel` over an `SSL*`).
final class OpenSSLChannel: SecureChannel {
    private let ssl: OpaquePointer
    private let policy: PeerPolicy
    /// After a fatal error OpenSSL must not be asked to send anything (no close_notify).
    private var fatal = false
    private var established = false
    private var closeSent = false
    private(set) var peerPublicKey: [UInt8]?
    private(set) var resumed = false

    init(context: OpaquePointer, fd: Int32, isServer: Bool, policy: PeerPolicy) throws {
        guard let ssl = SSL_new(context) else {
            throw TLSIdentity.setupFailed("cannot create a TLS connection: \(openSSLReason())")
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            throw TLSIdentity.setupFailed("cannot attach TLS to the socket: \(openSSLReason())")
        }
        if isServer { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
        self.ssl = ssl
        self.policy = policy
    }

    deinit { SSL_free(ssl) }

    func handshake() -> ChannelIO {
        if established { return .done(0) }
        if fatal { return .failed(.protocolError("the handshake already failed")) }
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        guard rc == 1 else { return failure(rc) }
        // Checked again here, not only in the verify callback: a resumed session skips the callback.
        let certificate = SSL_get0_peer_certificate(ssl)
        let key = certificate.flatMap(policy.identity)
        if (certificate != nil && key == nil) || (key == nil && policy.certificateRequired) {
            fatal = true
            return .failed(.peerRefused)
        }
        peerPublicKey = key
        resumed = SSL_session_reused(ssl) == 1
        established = true
        return .done(0)
    }

    func read(_ buffer: UnsafeMutableRawBufferPointer) -> ChannelIO {
        guard !fatal else { return .failed(.protocolError("the connection already failed")) }
        ERR_clear_error()
        var n = 0
        let rc = SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &n)
        guard rc == 1 else { return failure(rc) }
        ReceivedBytesDump.record(buffer, n)
        return .done(n)
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> ChannelIO {
        guard !fatal else { return .failed(.protocolError("the connection already failed")) }
        guard bytes.count > 0 else { return .done(0) }
        ERR_clear_error()
        var n = 0
        let rc = SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &n)
        return rc == 1 ? .done(n) : failure(rc)
    }

    func closeNotify() {
        guard established, !fatal, !closeSent else { return }
        closeSent = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)  // non-blocking: queues close_notify; the peer's is not awaited
        ERR_clear_error()
    }

    /// Classifies a failed call (`SSL_get_error` must see this thread's error queue as the call left it).
    private func failure(_ rc: Int32) -> ChannelIO {
        let err = SSL_get_error(ssl, rc)
        defer { ERR_clear_error() }
        switch err {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            fatal = true
            let e = errno
            return e == 0 ? .closed : .failed(.io(e))
        case SSL_ERROR_SSL:
            fatal = true
            let code = ERR_peek_error()
            if yc_ERR_GET_REASON(code) == SSL_R_HTTP_REQUEST { return .failed(.plainHTTP) }
            if SSL_get_verify_result(ssl) == Int(X509_V_ERR_APPLICATION_VERIFICATION) { return .failed(.peerRefused) }
            let reason = ERR_reason_error_string(code).map { String(cString: $0) } ?? "TLS error \(code)"
            return .failed(.protocolError(reason))
        default:
            fatal = true
            return .failed(.protocolError("TLS error \(err)"))
        }
    }
}
