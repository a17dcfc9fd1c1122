import COpenSSL
import Foundation
import Glibc
import Synchronization
import Testing
@testable import YongchainHTTP
import YongchainTestSupport

/// TLS 1.3 in the epoll server and the client: the parser behaves the same through TLS records however the
/// bytes are split; hostile handshakes (plain HTTP, garbage, half-open floods, slowloris) are refused cleanly and
/// cannot exhaust the server; peers are accepted by their Ed25519 key alone.
@Suite struct TLSServerTests {
    static let member = try! testIdentity(1)
    static let stranger = try! testIdentity(2)
    static let serverIdentity = try! testIdentity(3)

    static func serverTransport(accepting keys: [[UInt8]] = [member.publicKey]) throws -> OpenSSLTransport {
        try OpenSSLTransport.server(identity: serverIdentity, acceptPeer: { keys.contains($0) })
    }

    /// A bank's client: no certificate, pins the server's key.
    static func pinningClient(_ key: [UInt8] = serverIdentity.publicKey) throws -> OpenSSLTransport {
        try OpenSSLTransport.client(identity: nil, acceptPeer: { $0 == key })
    }

    static let valid: [String] = [
        "POST /v1/a%20b/t%C3%A9?wait=commit&q=hello+world HTTP/1.1\r\nHost: node1\r\ncontent-length: 5\r\nX-Trace:  abc \t\r\n\r\nhello",
        "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b?x=1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz",
        "GET / HTTP/1.0\r\n\r\n",
    ]

    /// Every input, then (for valid ones) a closing request, through one connection in `chunks` records; the
    /// responses until the server closes.
    static func responses(_ input: [UInt8], chunks: [Int], port: UInt16, tls: Bool) throws -> [String] {
        var outcome: (bytes: [UInt8], closed: Bool)
        if tls {
            let connection = try TLSTestConnection(port: port, transport: pinningClient())
            var offset = 0
            for size in chunks {
                guard connection.write(Array(input[offset..<(offset + size)])) else { break }
                offset += size
            }
            outcome = connection.readUntilClosed()
        } else {
            let connection = try RawConnection(port: port)
            var offset = 0
            for size in chunks {
                connection.write(Array(input[offset..<(offset + size)]))
                offset += size
            }
            var all: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16384)
            while Socket.waitReadable(connection.fd, seconds: 5) {
                let n = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                all += chunk[0..<n]
            }
            outcome = (all, true)
        }
        #expect(outcome.closed, "the server closed the connection")
        return splitResponses(outcome.bytes).map { "\($0.0) \(String(decoding: $0.1, as: UTF8.self))" }
    }

    @Test func parserAgreesThroughTLSWholeByteByByteAndInRandomRecordSplits() throws {
        let limits = HTTPRequestParserTests.small
        let tlsServer = try summaryServer(limits: limits, transport: Self.serverTransport())
        let plainServer = try summaryServer(limits: limits, transport: nil)
        defer { tlsServer.stop(); plainServer.stop() }
        let closing = "GET /end HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        let cases = Self.valid.map { ($0 + closing, nil as Int?) }
            + HTTPRequestParserTests.malformed.map { ($0.1, Optional($0.2)) }
        for (text, expectedStatus) in cases {
            let input = Array(text.utf8)
            let plain = try Self.responses(input, chunks: [input.count], port: plainServer.port, tls: false)
            let whole = try Self.responses(input, chunks: [input.count], port: tlsServer.port, tls: true)
            #expect(whole == plain, "TLS differs from plain for \(text.debugDescription)")
            if let expectedStatus {
                #expect(whole.count == 1 && whole.first?.hasPrefix("\(expectedStatus) ") == true, "\(text.debugDescription): \(whole)")
            } else {
                #expect(whole.count >= 1 && whole.allSatisfy { $0.hasPrefix("200 ") }, "\(text.debugDescription): \(whole)")
            }
            let byteByByte = try Self.responses(input, chunks: Array(repeating: 1, count: input.count),
                                                port: tlsServer.port, tls: true)
            #expect(byteByByte == whole, "byte-by-byte records differ for \(text.debugDescription)")
            for seed in UInt64(1)...3 {
                var rng = SplitMix64(seed: seed)
                var chunks: [Int] = []
                var left = input.count
                while left > 0 {
                    let size = Int.random(in: 1...min(left, 64), using: &rng)
                    chunks.append(size)
                    left -= size
                }
                let split = try Self.responses(input, chunks: chunks, port: tlsServer.port, tls: true)
                #expect(split == whole, "records split with seed \(seed) differ for \(text.debugDescription)")
            }
        }
        let stats = try #require(tlsServer.tlsStats)
        #expect(stats.failed == 0 && stats.refusedPeer == 0)
        #expect(stats.completed == cases.count * 5)
    }

    @Test func plainHTTPToTheTLSPortGets400TLSRequiredAndAClose() throws {
        let server = try summaryServer(transport: Self.serverTransport())
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("GET /v1/status HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try #require(connection.readResponse())
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""code":"TLS_REQUIRED""#))
        #expect(connection.waitForClose())
        #expect(server.tlsStats?.plainHTTP == 1)
        #expect(eventually { server.tlsStats?.inProgress == 0 })
    }

    @Test func garbageInsteadOfAClientHelloIsClosedAndTheServerStillServes() throws {
        let seen = Counter()
        // A record header announcing more bytes than follow leaves the server waiting: the handshake timeout ends it.
        let server = try summaryServer(limits: HTTPServerLimits(handshakeTimeout: 1), transport: Self.serverTransport(),
                                       seen: seen)
        defer { server.stop() }
        var rng = SplitMix64(seed: 17)
        for i in 0..<20 {
            let connection = try RawConnection(port: server.port)
            // Half: a TLS record header claiming a handshake, then noise; half: noise from the first byte.
            var bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if i % 2 == 0 { bytes.replaceSubrange(0..<3, with: [0x16, 0x03, 0x01]) }
            connection.write(bytes)
            #expect(connection.waitForClose(timeout: 3), "garbage \(i) left the connection open")
        }
        #expect(seen.count == 0)
        #expect(eventually { server.tlsStats?.inProgress == 0 })
        let stats = try #require(server.tlsStats)
        #expect(stats.failed + stats.plainHTTP + stats.timedOut == 20)
        let client = HTTPClient(transport: try Self.pinningClient())
        #expect(try client.send("GET", host: "127.0.0.1", port: server.port, path: "/x").status == 200)
    }

    @Test func aThousandHalfOpenHandshakesFromOneAddressCannotExhaustTheServer() throws {
        let limits = HTTPServerLimits(maxHandshakesInProgress: 16, maxHandshakesPerAddress: 4, handshakeTimeout: 0.5)
        let server = try summaryServer(limits: limits, transport: Self.serverTransport())
        defer { server.stop() }
        // Both ends of every connection live in this process: stay well inside its descriptor limit.
        var fileLimit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &fileLimit)
        let count = max(256, min(1000, (Int(fileLimit.rlim_cur) - 256) / 2))
        // They connect and never finish a ClientHello (every other one starts one).
        var connections: [RawConnection] = []
        for i in 0..<count {
            let connection = try RawConnection(port: server.port, from: "127.0.0.2")
            if i % 2 == 0 { connection.write([0x16, 0x03, 0x01, 0x00]) }
            connections.append(connection)
        }
        // The address holds its 128 connections, 4 of them in a handshake and the rest waiting for their turn; the
        // others are closed at accept. The held ones end at the handshake timeout from their accept, waiting or not.
        let held = limits.maxConnectionsPerAddress
        #expect(eventually { server.connectionStats.refusedFromAddress >= count - held })
        #expect((server.tlsStats?.inProgress ?? 99) <= 4)
        let started = Socket.now()
        for (i, connection) in connections.enumerated() {
            #expect(connection.waitForClose(timeout: 5), "half-open connection \(i) still open")
        }
        #expect(Socket.now() - started < 4)
        #expect(eventually { server.tlsStats?.inProgress == 0 && server.connectionStats.open == 0 })
        let stats = try #require(server.tlsStats)
        #expect(stats.timedOut == held && server.connectionStats.refusedFromAddress == count - held)
        // The flood is over: a real client is served.
        let client = HTTPClient(transport: try Self.pinningClient())
        #expect(try client.send("GET", host: "127.0.0.1", port: server.port, path: "/x").status == 200)
    }

    @Test func slowlorisHandshakeIsCutAtTheHandshakeTimeout() throws {
        let server = try summaryServer(limits: HTTPServerLimits(handshakeTimeout: 0.4),
                                       transport: Self.serverTransport())
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        let started = Socket.now()
        // One byte of a ClientHello every 100 ms: each arrives well inside any per-read timeout.
        var closed = false
        for byte: UInt8 in [0x16, 0x03, 0x01, 0x00, 0xF0, 0x01, 0x00, 0x00, 0xEC, 0x03, 0x03] {
            connection.write([byte])
            if connection.waitForClose(timeout: 0.1) { closed = true; break }
        }
        if !closed { closed = connection.waitForClose(timeout: 3) }
        #expect(closed)
        #expect(Socket.now() - started < 2)
        #expect(server.tlsStats?.timedOut == 1)
    }

    @Test func aMemberKeyIsAuthenticatedAndAStrangerIsRefusedAtTheHandshake() throws {
        let seen = Counter()
        let server = try summaryServer(transport: Self.serverTransport(), seen: seen)
        defer { server.stop() }
        let member = HTTPClient(transport: try OpenSSLTransport.client(
            identity: Self.member, acceptPeer: { $0 == Self.serverIdentity.publicKey }))
        let answer = try member.send("GET", host: "127.0.0.1", port: server.port, path: "/peer")
        #expect(String(decoding: answer.body, as: UTF8.self)
            == "tls " + Self.member.publicKey.map { String(format: "%02x", $0) }.joined())

        let stranger = HTTPClient(transport: try OpenSSLTransport.client(
            identity: Self.stranger, acceptPeer: { $0 == Self.serverIdentity.publicKey }))
        #expect(throws: HTTPError.self) {
            _ = try stranger.send("GET", host: "127.0.0.1", port: server.port, path: "/peer")
        }
        #expect(seen.count == 1, "the stranger's request never reached the handler")
        // OpenSSL sends the alert from inside the server's handshake call, before that call returns and the refusal
        // is counted: the client can see it first.
        #expect(eventually { server.tlsStats?.refusedPeer == 1 })

        let bank = HTTPClient(transport: try Self.pinningClient())
        let bankAnswer = try bank.send("GET", url: "https://127.0.0.1:\(server.port)/peer")
        #expect(String(decoding: bankAnswer.body, as: UTF8.self) == "tls none")
    }

    /// A joining node's client: it connects like a bank (no certificate) while its key is not accepted, and
    /// presents its certificate from the handshake after its `presentIdentity` turns true (admitted by governance).
    @Test func aClientPresentsItsCertificateOnlyWhileItsPolicySaysSo() throws {
        let server = try summaryServer(transport: Self.serverTransport(accepting: [Self.stranger.publicKey]))
        defer { server.stop() }
        let admitted = Atomic<Bool>(false)
        let joiner = HTTPClient(transport: try OpenSSLTransport.client(
            identity: Self.stranger, presentIdentity: { admitted.load(ordering: .relaxed) },
            acceptPeer: { $0 == Self.serverIdentity.publicKey }))
        let before = try joiner.send("GET", host: "127.0.0.1", port: server.port, path: "/peer")
        #expect(String(decoding: before.body, as: UTF8.self) == "tls none", "not admitted: no certificate, and the handshake succeeds")
        admitted.store(true, ordering: .relaxed)
        joiner.closeIdleConnections()
        let after = try joiner.send("GET", host: "127.0.0.1", port: server.port, path: "/peer")
        #expect(String(decoding: after.body, as: UTF8.self)
            == "tls " + Self.stranger.publicKey.map { String(format: "%02x", $0) }.joined())
    }

    @Test func aClientPinningAnotherKeyRefusesTheServerBeforeSendingAnything() throws {
        let seen = Counter()
        let server = try summaryServer(transport: Self.serverTransport(), seen: seen)
        defer { server.stop() }
        let client = HTTPClient(transport: try Self.pinningClient(Self.stranger.publicKey))
        do {
            _ = try client.send("GET", host: "127.0.0.1", port: server.port, path: "/x")
            Issue.record("a server with another key was accepted")
        } catch let error as HTTPError {
            #expect(error.code == "TLS_FAILED")
            #expect(error.message.contains("not over an accepted key"))
        }
        #expect(seen.count == 0)
        #expect(client.tlsHandshakeCounts.failed == 1)
    }

    @Test func keepAliveOverTLSReusesOneHandshakeForManyRequests() throws {
        let server = try summaryServer(transport: Self.serverTransport())
        defer { server.stop() }
        let client = HTTPClient(transport: try Self.pinningClient())
        for i in 0..<50 {
            let response = try client.send("POST", host: "127.0.0.1", port: server.port, path: "/r\(i)",
                                           body: Array(repeating: UInt8(ascii: "x"), count: i * 1000))
            #expect(response.status == 200)
            #expect(response.body.count > i * 1000)
        }
        #expect(client.tlsHandshakeCounts.completed == 1)
        #expect(server.tlsStats?.completed == 1)
    }

    @Test func aReturningClientResumesWithASessionTicket() throws {
        let server = try summaryServer(transport: Self.serverTransport())
        defer { server.stop() }
        // A plain OpenSSL client (as a bank's would be) that keeps the session of its first connection.
        let context = SSL_CTX_new(TLS_client_method())!
        defer { SSL_CTX_free(context) }
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        var session: OpaquePointer?
        var reused: [Int32] = []
        for _ in 0..<2 {
            let connection = try RawConnection(port: server.port)
            let ssl = SSL_new(context)!
            defer { SSL_free(ssl) }
            SSL_set_fd(ssl, connection.fd)
            if let session { SSL_set_session(ssl, session) }
            #expect(SSL_connect(ssl) == 1)
            let request = Array("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8)
            #expect(SSL_write(ssl, request, Int32(request.count)) == Int32(request.count))
            var buffer = [UInt8](repeating: 0, count: 4096)
            #expect(SSL_read(ssl, &buffer, 4096) > 0)  // the tickets arrive before the response
            reused.append(SSL_session_reused(ssl))
            if let session { SSL_SESSION_free(session) }
            session = SSL_get1_session(ssl)
            _ = SSL_shutdown(ssl)  // a session closed without close_notify is not resumable
        }
        if let session { SSL_SESSION_free(session) }
        #expect(reused == [0, 1])
        #expect(server.tlsStats?.resumed == 1)
        #expect(server.tlsStats?.completed == 1)
    }

    /// A plain OpenSSL client offering `signatureAlgorithms` (nil: OpenSSL's defaults, as curl and Python have):
    /// the key type of the certificate the server presented, and the first line of its answer to one request.
    static func handshake(port: UInt16, signatureAlgorithms: String?) throws -> (keyType: Int32, statusLine: String) {
        let context = SSL_CTX_new(TLS_client_method())!
        defer { SSL_CTX_free(context) }
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        if let signatureAlgorithms { #expect(yc_SSL_CTX_set1_sigalgs_list(context, signatureAlgorithms) == 1) }
        let connection = try RawConnection(port: port)
        let ssl = SSL_new(context)!
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, connection.fd)
        guard SSL_connect(ssl) == 1 else { return (0, "handshake failed") }
        let keyType = SSL_get0_peer_certificate(ssl).flatMap { X509_get0_pubkey($0) }.map { EVP_PKEY_get_id($0) } ?? 0
        let request = Array("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8)
        _ = SSL_write(ssl, request, Int32(request.count))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = SSL_read(ssl, &buffer, 4096)
        let line = n > 0 ? String(decoding: buffer[0..<Int(n)], as: UTF8.self).components(separatedBy: "\r\n")[0] : ""
        return (keyType, line)
    }

    @Test func aBrowserWithoutEd25519GetsTheSecondCertificateAndEveryoneElseTheNodeKey() throws {
        let web = try TLSIdentity.selfSignedECDSA(commonName: "node.example")
        #expect(!web.isEd25519)
        let transport = try OpenSSLTransport.server(identity: Self.serverIdentity, webIdentity: web,
                                                    acceptPeer: { $0 == Self.member.publicKey })
        let server = try summaryServer(transport: transport)
        defer { server.stop() }
        // What Chrome and Firefox offer: no Ed25519.
        let browser = try Self.handshake(port: server.port, signatureAlgorithms: "ECDSA+SHA256:rsa_pss_rsae_sha256")
        #expect(browser.keyType == EVP_PKEY_EC)
        #expect(browser.statusLine == "HTTP/1.1 200 OK")
        // OpenSSL's defaults prefer ECDSA, yet the server's preference gives them the node key to pin.
        let curlLike = try Self.handshake(port: server.port, signatureAlgorithms: nil)
        #expect(curlLike.keyType == EVP_PKEY_ED25519)
        #expect(curlLike.statusLine == "HTTP/1.1 200 OK")
        // A node's client (and a pinning bank's) is still served the node key.
        let member = HTTPClient(transport: try OpenSSLTransport.client(
            identity: Self.member, acceptPeer: { $0 == Self.serverIdentity.publicKey }))
        #expect(try member.send("GET", host: "127.0.0.1", port: server.port, path: "/peer").status == 200)
        #expect(throws: HTTPError.self) {
            _ = try OpenSSLTransport.server(identity: Self.serverIdentity, webIdentity: Self.member, acceptPeer: { _ in true })
        }
    }

    @Test func anOperatorCertificateLoadsWithItsChainAndAMismatchedKeyIsRefused() throws {
        let web = try TLSIdentity.selfSignedECDSA(commonName: "node.example")
        let other = try TLSIdentity.selfSignedECDSA(commonName: "other")
        let loaded = try TLSIdentity.load(certificatePEM: web.certificatePEM + other.certificatePEM,
                                          privateKeyPEM: web.privateKeyPEMForTesting())
        #expect(loaded.chain.count == 1)
        let error = #expect(throws: HTTPError.self) {
            _ = try TLSIdentity.load(certificatePEM: web.certificatePEM, privateKeyPEM: other.privateKeyPEMForTesting())
        }
        #expect(error?.code == "TLS_SETUP_FAILED")
        #expect(error?.message.contains("does not match") == true)
        #expect(throws: HTTPError.self) { _ = try TLSIdentity.load(certificatePEM: "", privateKeyPEM: testKeyPEM(9)) }
    }

    /// A real ClientHello, as a client channel writes it (captured through a socket pair).
    static func clientHello() throws -> [UInt8] {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        Socket.setNonBlocking(fds[0], true)
        let channel = try Self.pinningClient().channel(for: fds[0], isServer: false)
        #expect(channel.handshake() == .wantRead)
        var hello = [UInt8](repeating: 0, count: 4096)
        let n = recv(fds[1], &hello, hello.count, Int32(MSG_DONTWAIT))
        return Array(hello.prefix(max(0, n)))
    }

    @Test func mutatedClientHellosNeverHangOrCrashTheServer() throws {
        let hello = try Self.clientHello()
        #expect(hello.count > 100 && hello[0] == 0x16)
        let seen = Counter()
        let server = try summaryServer(limits: HTTPServerLimits(handshakeTimeout: 0.5), transport: Self.serverTransport(),
                                       seen: seen)
        defer { server.stop() }
        var rng = SplitMix64(seed: 2017)
        let rounds = 60
        for round in 0..<rounds {
            var bytes = hello
            switch round % 4 {
            case 0:  // flip a few bytes anywhere
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 1:  // cut it short
                bytes = Array(bytes.prefix(Int.random(in: 1..<bytes.count, using: &rng)))
            case 2:  // a length field lies (record or handshake header)
                bytes[Int.random(in: 3...8, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            default:  // trailing garbage after a whole ClientHello
                bytes += (0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            let connection = try RawConnection(port: server.port)
            connection.write(bytes)
            #expect(connection.waitForClose(timeout: 3), "mutated ClientHello \(round) (seed 2017) left the connection open")
        }
        #expect(seen.count == 0, "no mutated hello got as far as a request")
        #expect(eventually { server.tlsStats?.inProgress == 0 && server.connectionStats.open == 0 })
        let client = HTTPClient(transport: try Self.pinningClient())
        #expect(try client.send("GET", host: "127.0.0.1", port: server.port, path: "/x").status == 200)
    }

    @Test func aConnectionRefusedAtALimitIsClosedWithoutAPlainAnswer() throws {
        let server = try summaryServer(limits: HTTPServerLimits(maxConnectionsPerAddress: 1), transport: Self.serverTransport())
        defer { server.stop() }
        let first = try TLSTestConnection(port: server.port, transport: Self.pinningClient())
        let second = try RawConnection(port: server.port)
        second.write(try Self.clientHello())
        // Closed with nothing written: a plain 503 would be garbage to a TLS client.
        var byte: UInt8 = 0
        #expect(Socket.waitReadable(second.fd, seconds: 5))
        #expect(recv(second.fd, &byte, 1, 0) <= 0)
        #expect(server.connectionStats.refusedFromAddress == 1)
        first.write(Array("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8))
        #expect(splitResponses(first.readUntilClosed().bytes).first?.0 == 200)
    }

    /// The peer policy follows a changed member set at once, even for a peer that resumes a session it got while
    /// it was a member (a resumed handshake skips the certificate check, so the channel checks the key again).
    @Test func aRemovedMemberIsRefusedEvenWhenItResumesItsSession() throws {
        let members = Mutex<Set<[UInt8]>>([Self.member.publicKey])
        let transport = try OpenSSLTransport.server(identity: Self.serverIdentity,
                                                    acceptPeer: { key in members.withLock { $0.contains(key) } })
        let seen = Counter()
        let server = try summaryServer(transport: transport, seen: seen)
        defer { server.stop() }
        let context = SSL_CTX_new(TLS_client_method())!
        defer { SSL_CTX_free(context) }
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        #expect(SSL_CTX_use_certificate(context, Self.member.certificate) == 1)
        #expect(SSL_CTX_use_PrivateKey(context, Self.member.privateKey) == 1)
        var session: OpaquePointer?
        var answers: [Bool] = []
        var reused: [Int32] = []
        for round in 0..<2 {
            if round == 1 { members.withLock { $0 = [] } }  // governance removed the member
            let connection = try RawConnection(port: server.port)
            let ssl = SSL_new(context)!
            defer { SSL_free(ssl) }
            SSL_set_fd(ssl, connection.fd)
            if let session { SSL_set_session(ssl, session) }
            _ = SSL_connect(ssl)  // TLS 1.3: the client finishes before the server has judged its certificate
            reused.append(SSL_session_reused(ssl))
            let request = Array("GET /peer HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8)
            _ = SSL_write(ssl, request, Int32(request.count))
            var buffer = [UInt8](repeating: 0, count: 4096)
            var received: [UInt8] = []
            while true {
                let n = SSL_read(ssl, &buffer, Int32(buffer.count))
                if n <= 0 { break }
                received += buffer[0..<Int(n)]
            }
            answers.append(String(decoding: received, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            if round == 0 {
                session = SSL_get1_session(ssl)
                _ = SSL_shutdown(ssl)
            }
            ERR_clear_error()
        }
        if let session { SSL_SESSION_free(session) }
        #expect(reused == [0, 1], "the second connection resumed the first one's session")
        #expect(answers == [true, false])
        #expect(seen.count == 1)
        #expect(server.tlsStats?.refusedPeer == 1)
    }
}
