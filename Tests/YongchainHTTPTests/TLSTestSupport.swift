import COpenSSL
import Foundation
import Glibc
@testable import YongchainHTTP

/// A deterministic Ed25519 key in PKCS#8 PEM (what `node.key`'s key gives the node), made from a repeated seed byte.
func testKeyPEM(_ seedByte: UInt8) -> String {
    let seed = [UInt8](repeating: seedByte, count: 32)
    let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32)!
    defer { EVP_PKEY_free(pkey) }
    let bio = BIO_new(BIO_s_mem())!
    defer { BIO_free(bio) }
    precondition(PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1)
    var data: UnsafeMutablePointer<CChar>?
    let n = yc_BIO_get_mem_data(bio, &data)
    return String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
}

func testIdentity(_ seedByte: UInt8) throws -> TLSIdentity {
    try TLSIdentity.selfSigned(privateKeyPEM: testKeyPEM(seedByte), commonName: "node-\(seedByte)")
}

/// A server that answers every request with a canonical summary of what it parsed (so two transports can be
/// compared byte for byte), `/peer` with the hex of the peer's key, and counts the requests it saw.
func summaryServer(limits: HTTPServerLimits = HTTPServerLimits(), transport: (any SecureTransport)?,
                   seen: Counter = Counter()) throws -> HTTPServer {
    let server = try HTTPServer(port: 0, limits: limits, transport: transport) { request in
        seen.increment()
        if request.path == "/peer" {
            let key = request.peerPublicKey.map { $0.map { String(format: "%02x", $0) }.joined() } ?? "none"
            return .text(200, "\(request.secure ? "tls" : "plain") \(key)")
        }
        var summary = "\(request.method) \(request.target) \(request.version)\n"
        for header in request.headers { summary += "\(header.name): \(header.value)\n" }
        summary += "\n" + String(decoding: request.body, as: UTF8.self)
        return .text(200, summary)
    }
    server.start()
    return server
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}

/// A TLS client over one connection, writing exactly the records a test asks for (each `write` is one or more
/// TLS records of those bytes only), for splitting requests across records as a sloppy client would.
final class TLSTestConnection {
    let raw: RawConnection
    let channel: any SecureChannel
    private var received: [UInt8] = []

    /// Connects and completes the handshake, or throws `TLS_FAILED` naming what failed.
    init(port: UInt16, from source: String? = nil, transport: OpenSSLTransport, timeout: Double = 5) throws {
        raw = try RawConnection(port: port, from: source)
        Socket.setNonBlocking(raw.fd, true)
        channel = try transport.channel(for: raw.fd, isServer: false)
        let deadline = Socket.now() + timeout
        while true {
            let outcome = channel.handshake()
            switch outcome {
            case .done: return
            case .wantRead, .wantWrite:
                let remaining = deadline - Socket.now()
                let ready = remaining > 0 && (outcome == .wantRead ? Socket.waitReadable(raw.fd, seconds: remaining)
                                                                   : Socket.waitWritable(raw.fd, seconds: remaining))
                if !ready { throw HTTPError(code: "TLS_FAILED", message: "test handshake timed out") }
            case .closed: throw HTTPError(code: "TLS_FAILED", message: "closed during the test handshake")
            case .failed(let failure): throw HTTPError(code: "TLS_FAILED", message: "test handshake: \(failure)")
            }
        }
    }

    /// Writes `bytes`; false if the connection failed (the server may have closed after an error response).
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        if case .sent = Socket.sendAll(channel, raw.fd, bytes, timeout: 5) { return true }
        return false
    }

    /// Reads until the server closes (or `timeout`); returns everything decrypted, and whether it closed.
    func readUntilClosed(timeout: Double = 5) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Socket.now() + timeout
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            switch chunk.withUnsafeMutableBytes({ channel.read($0) }) {
            case .done(let n): received += chunk[0..<n]
            case .wantRead:
                let remaining = deadline - Socket.now()
                if remaining <= 0 || !Socket.waitReadable(raw.fd, seconds: remaining) { return (received, false) }
            case .wantWrite:
                _ = Socket.waitWritable(raw.fd, seconds: 1)
            case .closed, .failed:
                return (received, true)
            }
        }
    }
}

/// Splits a byte stream of responses into (status, body) pairs; stops at the first incomplete one.
func splitResponses(_ bytes: [UInt8]) -> [(Int, [UInt8])] {
    var out: [(Int, [UInt8])] = []
    var rest = bytes[...]
    while !rest.isEmpty {
        var parser = HTTPResponseParser(maxResponseBytes: 1 << 26, isHeadRequest: false)
        Array(rest).withUnsafeBytes { parser.feed($0) }
        guard case .complete(let response, _) = parser.parse(eof: false) else { break }
        out.append((response.status, response.body))
        guard let end = rest.firstRange(of: [13, 10, 13, 10]) else { break }
        rest = rest[(end.upperBound + response.body.count)...]
    }
    return out
}

extension TLSIdentity {
    /// The private key in PKCS#8 PEM (tests only: a node never writes its TLS keys out).
    func privateKeyPEMForTesting() -> String {
        let bio = BIO_new(BIO_s_mem())!
        defer { BIO_free(bio) }
        precondition(PEM_write_bio_PrivateKey(bio, privateKey, nil, nil, 0, nil, nil) == 1)
        var data: UnsafeMutablePointer<CChar>?
        let n = yc_BIO_get_mem_data(bio, &data)
        return String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
    }
}
