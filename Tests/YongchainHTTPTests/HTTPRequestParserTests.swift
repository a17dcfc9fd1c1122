import Foundation
import Testing
@testable import YongchainHTTP
import YongchainTestSupport

/// A comparable summary of one parser output.
private enum Outcome: Equatable, CustomStringConvertible {
    case request(method: String, target: String, path: String, query: [String: String],
                 headers: [String], body: [UInt8], version: HTTPVersion)
    case error(status: Int, code: String)

    init(_ request: HTTPRequest) {
        self = .request(method: request.method, target: request.target, path: request.path, query: request.query,
                        headers: request.headers.map { "\($0.name): \($0.value)" }, body: request.body,
                        version: request.version)
    }

    var description: String {
        switch self {
        case .request(let method, let target, _, _, _, let body, _): return "\(method) \(target) [\(body.count) bytes]"
        case .error(let status, let code): return "error \(status) \(code)"
        }
    }
}

/// Feeds `input` in the given chunk sizes, draining after each feed; stops at the first error.
private func run(_ input: [UInt8], chunks: [Int], limits: HTTPServerLimits) -> [Outcome] {
    var parser = HTTPRequestParser(limits: limits)
    var outcomes: [Outcome] = []
    var offset = 0
    for size in chunks {
        parser.feed(input[offset..<(offset + size)])
        offset += size
        while true {
            switch parser.next() {
            case .request(let request):
                outcomes.append(Outcome(request))
                continue
            case .error(let status, let code, _):
                outcomes.append(.error(status: status, code: code))
                // Errors are sticky.
                if case .error(let again, _, _) = parser.next(), again == status { return outcomes }
                return outcomes + [.error(status: -1, code: "NOT_STICKY")]
            case .needMoreData:
                break
            }
            break
        }
    }
    return outcomes
}

/// swift-nio's decoder-verifier idea: whole, byte by byte and seeded random splits must agree.
private func verifySplits(_ input: [UInt8], limits: HTTPServerLimits = HTTPServerLimits(),
                          sourceLocation: SourceLocation = #_sourceLocation) -> [Outcome] {
    let whole = run(input, chunks: input.isEmpty ? [] : [input.count], limits: limits)
    let byteByByte = run(input, chunks: Array(repeating: 1, count: input.count), limits: limits)
    #expect(byteByByte == whole, "byte-by-byte differs", sourceLocation: sourceLocation)
    for seed in UInt64(1)...25 {
        var rng = SplitMix64(seed: seed)
        var chunks: [Int] = []
        var left = input.count
        while left > 0 {
            let size = Int.random(in: 1...min(left, 64), using: &rng)
            chunks.append(size)
            left -= size
        }
        let split = run(input, chunks: chunks, limits: limits)
        #expect(split == whole, "random split with seed \(seed) differs", sourceLocation: sourceLocation)
    }
    return whole
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct HTTPRequestParserTests {
    @Test func parsesRequestLineTargetQueryHeadersAndBody() throws {
        let input = bytes("POST /v1/a%20b/t%C3%A9?wait=commit&q=hello+world&x=%41&flag HTTP/1.1\r\n"
            + "Host: node1\r\ncontent-length: 5\r\nX-Trace:  abc \t\r\n\r\nhello")
        let outcomes = verifySplits(input)
        #expect(outcomes.count == 1)
        var parser = HTTPRequestParser()
        parser.feed(input)
        guard case .request(let request) = parser.next() else {
            Issue.record("expected a request")
            return
        }
        #expect(request.method == "POST")
        #expect(request.target == "/v1/a%20b/t%C3%A9?wait=commit&q=hello+world&x=%41&flag")
        #expect(request.path == "/v1/a b/té")
        #expect(request.query == ["wait": "commit", "q": "hello world", "x": "A", "flag": ""])
        #expect(request.headers["CONTENT-LENGTH"] == "5")
        #expect(request.headers["x-trace"] == "abc")
        #expect(request.body == bytes("hello"))
        #expect(request.version == .http1_1)
        #expect(request.keepAlive)
        if case .needMoreData = parser.next() {} else { Issue.record("expected needMoreData after the only request") }
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let input = bytes("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            + "\r\n"  // a stray CRLF after a body is ignored (RFC 9112 2.2)
            + "HEAD /3 HTTP/1.0\r\n\r\n"
            + "GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
            + "GET /partial HTTP/1.1\r\nHo")
        let outcomes = verifySplits(input)
        let targets = outcomes.compactMap { outcome -> String? in
            if case .request(_, let target, _, _, _, _, _) = outcome { return target }
            return nil
        }
        #expect(targets == ["/1", "/2", "/3", "/4"])
        guard case .request(_, _, _, _, _, let body, _) = outcomes[1] else { Issue.record("no body request"); return }
        #expect(body == bytes("abc"))
        guard case .request(_, _, _, _, _, _, let version) = outcomes[2] else { Issue.record("no 1.0 request"); return }
        #expect(version == .http1_0)
    }

    @Test func keepAliveFollowsVersionAndConnectionHeader() {
        func request(_ s: String) -> HTTPRequest? {
            var parser = HTTPRequestParser()
            parser.feed(bytes(s))
            if case .request(let r) = parser.next() { return r }
            return nil
        }
        #expect(request("GET / HTTP/1.1\r\nHost: a\r\n\r\n")?.keepAlive == true)
        #expect(request("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n")?.keepAlive == false)
        #expect(request("GET / HTTP/1.0\r\n\r\n")?.keepAlive == false)
        #expect(request("GET / HTTP/1.0\r\nConnection: upgrade, Keep-Alive\r\n\r\n")?.keepAlive == true)
    }

    @Test func absoluteFormAndAsteriskTargets() {
        var parser = HTTPRequestParser()
        parser.feed(bytes("GET http://node1:8080/status?x=1 HTTP/1.1\r\nHost: node1\r\n\r\n"
            + "OPTIONS * HTTP/1.1\r\nHost: node1\r\n\r\n"))
        guard case .request(let absolute) = parser.next(), case .request(let star) = parser.next() else {
            Issue.record("expected two requests")
            return
        }
        #expect(absolute.path == "/status")
        #expect(absolute.query == ["x": "1"])
        #expect(star.path == "*")
    }

    static let small = HTTPServerLimits(maxRequestLineBytes: 64, maxHeaderBytes: 128, maxHeaderCount: 4,
                                        maxBodyBytes: 16)

    static let malformed: [(String, String, Int, String)] = [
        ("no target or version", "GET\r\nHost: a\r\n\r\n", 400, "BAD_REQUEST_LINE"),
        ("missing version", "GET /\r\nHost: a\r\n\r\n", 400, "BAD_REQUEST_LINE"),
        ("double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BAD_REQUEST_LINE"),
        ("lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, "BAD_REQUEST_LINE"),
        ("bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BAD_REQUEST_LINE"),
        ("bare LF request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "BAD_REQUEST_LINE"),
        ("control byte in target", "GET /a\u{01}b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BAD_REQUEST_LINE"),
        ("relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BAD_TARGET"),
        ("bad percent escape", "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BAD_TARGET"),
        ("non-UTF-8 path", "GET /%FF HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BAD_TARGET"),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP_VERSION_NOT_SUPPORTED"),
        ("header without colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400, "BAD_HEADER"),
        ("space in header name", "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400, "BAD_HEADER"),
        ("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "BAD_HEADER"),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", 400, "BAD_HEADER"),
        ("bare LF in headers", "GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n", 400, "BAD_HEADER"),
        ("NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", 400, "BAD_HEADER"),
        ("missing Host on 1.1", "GET / HTTP/1.1\r\nX: 1\r\n\r\n", 400, "BAD_HOST"),
        ("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "BAD_HOST"),
        ("two different Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "BAD_CONTENT_LENGTH"),
        ("repeated equal Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na", 400, "BAD_CONTENT_LENGTH"),
        ("negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "BAD_CONTENT_LENGTH"),
        ("non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400, "BAD_CONTENT_LENGTH"),
        ("list Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n", 400, "BAD_CONTENT_LENGTH"),
        ("chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, "TRANSFER_ENCODING_NOT_SUPPORTED"),
        ("chunked with length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 501, "TRANSFER_ENCODING_NOT_SUPPORTED"),
        ("request line too long", "GET /" + String(repeating: "a", count: 80) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "REQUEST_LINE_TOO_LONG"),
        ("request line too long, never ends", "GET /" + String(repeating: "a", count: 200), 414, "REQUEST_LINE_TOO_LONG"),
        ("header section too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 200) + "\r\n\r\n", 431, "HEADERS_TOO_LARGE"),
        ("header section never ends", "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 300), 431, "HEADERS_TOO_LARGE"),
        ("too many headers", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431, "TOO_MANY_HEADERS"),
        ("body too large", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n", 413, "BODY_TOO_LARGE"),
        ("absurd Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413, "BODY_TOO_LARGE"),
        ("too many empty lines", String(repeating: "\r\n", count: 9) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BAD_REQUEST_LINE"),
    ]

    @Test(arguments: malformed.indices)
    func malformedInputGetsItsStatusOnEverySplit(_ index: Int) {
        let (name, input, status, code) = Self.malformed[index]
        let outcomes = verifySplits(bytes(input), limits: Self.small)
        #expect(outcomes == [.error(status: status, code: code)], "\(name)")
    }

    @Test func limitsAtExactlyTheBoundaryAreAccepted() {
        // Request line of exactly 64 bytes, header section of exactly 128 bytes, 4 headers, 16-byte body.
        let line = "POST /" + String(repeating: "a", count: 64 - 15) + " HTTP/1.1"
        #expect(line.utf8.count == 64)
        let fixed = "Host: a\r\nContent-Length: 16\r\nB: 2\r\nC: \r\n\r\n"
        let header = fixed.replacingOccurrences(of: "C: ", with: "C: " + String(repeating: "c", count: 128 - fixed.utf8.count))
        #expect(header.utf8.count == 128)
        let outcomes = verifySplits(bytes(line + "\r\n" + header + String(repeating: "x", count: 16)), limits: Self.small)
        #expect(outcomes.count == 1)
        if case .request = outcomes.first {} else { Issue.record("boundary request rejected: \(outcomes)") }
    }

    @Test func expectContinueIsReportedOnceWhileTheBodyIsMissing() {
        var parser = HTTPRequestParser()
        parser.feed(bytes("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"))
        if case .needMoreData = parser.next() {} else { Issue.record("expected needMoreData") }
        let first = parser.takeContinueRequest()
        let second = parser.takeContinueRequest()
        #expect(first)
        #expect(!second)
        parser.feed(bytes("ok"))
        if case .request(let r) = parser.next() { #expect(r.body == bytes("ok")) } else { Issue.record("no request") }
    }

    @Test func randomGarbageNeverCrashesAndAgreesAcrossSplits() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        let alphabet = bytes("GET POST / HTTP/1.1\r\n:Host: a Content-Length: 3 Transfer-Encoding %zz?&=\u{0}\t")
        for _ in 0..<2000 {
            let count = Int.random(in: 0...300, using: &rng)
            let input = (0..<count).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            _ = verifySplits(input, limits: Self.small)
        }
    }

    @Test func longKeepAliveStreamKeepsTheBufferSmall() {
        var parser = HTTPRequestParser()
        let one = bytes("GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
        for _ in 0..<10_000 {
            parser.feed(one)
            guard case .request = parser.next() else { Issue.record("lost a request"); return }
        }
        #expect(parser.bufferedByteCount == 0)
    }
}
