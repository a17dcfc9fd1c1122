/// An incremental HTTP/1.1 request parser with explicit limits. No I/O: feed it bytes, ask it for requests.
///
/// Guarantees:
/// - The sequence of results depends only on the bytes fed, never on how they were split across `feed` calls.
/// - Several requests in one buffer (pipelining) come out one `next()` at a time, in order.
/// - After an `.error` every further `next()` returns the same error: the caller MUST answer it and close, because
///   the framing of anything after a malformed request cannot be trusted.
///
/// What it accepts, and what each rejection is (also in docs/http.md):
/// - Lines end in CRLF; a bare CR or LF is 400. Up to 8 empty lines before a request line are ignored (RFC 9112 2.2).
/// - Request line `METHOD SP target SP HTTP/d.d` with single spaces; malformed or missing version: 400;
///   longer than `maxRequestLineBytes`: 414; a major version other than 1: 505.
/// - Targets in origin form (`/path?query`), absolute form (`http://host/path`) or `*`; bad percent-encoding or a
///   path that does not decode to UTF-8: 400.
/// - Header lines `name: value`; no colon, a space before the colon, obs-fold or control characters: 400.
///   Header section larger than `maxHeaderBytes` or more than `maxHeaderCount` lines: 431.
/// - HTTP/1.1 requests need exactly one `Host` header (400 otherwise).
/// - Bodies only via one `Content-Length` of decimal digits: repeated (even if equal), signed or non-numeric: 400;
///   larger than `maxBodyBytes`: 413, reported as soon as the header section is complete.
/// - Any `Transfer-Encoding` (chunked included): 501, since we require `Content-Length` bodies and letting
///   a second framing mechanism through is how request smuggling starts.
public struct HTTPRequestParser: Sendable {
    public enum ParseResult: Sendable {
        case request(HTTPRequest)
        case needMoreData
        /// The request cannot be served. `status` is the HTTP status to answer, `code` a stable machine code,
        /// `message` a sentence for the client.
        case error(status: Int, code: String, message: String)
    }

    public let limits: HTTPServerLimits

    private var buffer: [UInt8] = []
    /// Index of the first byte of the request being parsed.
    private var start = 0
    private var state: State = .requestLine(scan: 0, emptyLines: 0)

    private struct RequestLine: Sendable {
        var method: String
        var target: String
        var path: String
        var query: [String: String]
        var version: HTTPVersion
    }

    private struct Head: Sendable {
        var line: RequestLine
        var headers: HTTPHeaders
    }

    private enum State: Sendable {
        case requestLine(scan: Int, emptyLines: Int)
        case headers(RequestLine, sectionStart: Int, scan: Int)
        case body(Head, bodyStart: Int, length: Int, expectContinue: Bool)
        case failed(status: Int, code: String, message: String)
    }

    public init(limits: HTTPServerLimits = HTTPServerLimits()) {
        self.limits = limits
    }

    public mutating func feed(_ bytes: some Collection<UInt8>) {
        compactIfWorthwhile()
        // One bulk copy when the bytes are contiguous; the generic path would append element by element.
        if bytes.withContiguousStorageIfAvailable({ buffer.append(contentsOf: $0) }) == nil {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Bytes received of a request not yet complete: the server times a half-received request (408), not an idle one.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Whether the request in progress has its whole head and waits for its body (the head deadline is met).
    var headComplete: Bool { if case .body = state { true } else { false } }

    /// True exactly once per request whose head carried `Expect: 100-continue` and whose body has not fully arrived;
    /// the server then sends `100 Continue`.
    mutating func takeContinueRequest() -> Bool {
        guard case .body(let head, let bodyStart, let length, true) = state, buffer.count - bodyStart < length else { return false }
        state = .body(head, bodyStart: bodyStart, length: length, expectContinue: false)
        return true
    }

    public mutating func next() -> ParseResult {
        // Each step hands its result straight to the next, so a request that is already complete never round-trips
        // through `state` (whose payload copies showed up in profiles); `state` is written only when input runs out.
        switch state {
        case .failed(let status, let code, let message):
            return .error(status: status, code: code, message: message)
        case .requestLine(let scan, let emptyLines):
            return stepRequestLine(scan: scan, emptyLines: emptyLines)
        case .headers(let line, let sectionStart, let scan):
            state = .requestLine(scan: start, emptyLines: 0)  // placeholder; every exit of the step overwrites it
            return stepHeaders(line, sectionStart: sectionStart, scan: scan)
        case .body(let head, let bodyStart, let length, let expectContinue):
            state = .requestLine(scan: start, emptyLines: 0)  // placeholder, as above
            return stepBody(head, bodyStart: bodyStart, length: length, expectContinue: expectContinue)
        }
    }

    private mutating func stepRequestLine(scan: Int, emptyLines: Int) -> ParseResult {
        var scan = scan
        var emptyLines = emptyLines
        while true {
            guard let lf = firstIndex(of: 0x0A, from: scan) else {
                // A line still missing its LF is at least (bytes so far - 1) long, CR excluded.
                if buffer.count - start - 1 > limits.maxRequestLineBytes {
                    return fail(414, "REQUEST_LINE_TOO_LONG", "request line exceeds \(limits.maxRequestLineBytes) bytes")
                }
                state = .requestLine(scan: buffer.count, emptyLines: emptyLines)
                return .needMoreData
            }
            // Same bound as the incomplete case above, so the verdict cannot depend on where the bytes split.
            if lf - start - 1 > limits.maxRequestLineBytes {
                return fail(414, "REQUEST_LINE_TOO_LONG", "request line exceeds \(limits.maxRequestLineBytes) bytes")
            }
            guard lf > start, buffer[lf - 1] == 0x0D else {
                return fail(400, "BAD_REQUEST_LINE", "request line must end with CRLF")
            }
            let lineEnd = lf - 1
            if lineEnd == start {
                guard emptyLines < 8 else {
                    return fail(400, "BAD_REQUEST_LINE", "too many empty lines before the request line")
                }
                start = lf + 1
                scan = start
                emptyLines += 1
                continue
            }
            switch parseRequestLine(start, lineEnd) {
            case .success(let line):
                return stepHeaders(line, sectionStart: lf + 1, scan: lf - 1)
            case .failure(let failure):
                return fail(failure.status, failure.code, failure.message)
            }
        }
    }

    private mutating func stepHeaders(_ line: RequestLine, sectionStart: Int, scan: Int) -> ParseResult {
        // The request line's own CRLF can be the first half of the CRLFCRLF (no headers at all).
        guard let end = firstIndexOfCRLFCRLF(from: scan) else {
            let partial = buffer.count - sectionStart
            if partial >= limits.maxHeaderBytes {
                return fail(431, "HEADERS_TOO_LARGE", "header section exceeds \(limits.maxHeaderBytes) bytes")
            }
            state = .headers(line, sectionStart: sectionStart, scan: max(scan, buffer.count - 3))
            return .needMoreData
        }
        let sectionEnd = end + 4
        if sectionEnd - sectionStart > limits.maxHeaderBytes {
            return fail(431, "HEADERS_TOO_LARGE", "header section exceeds \(limits.maxHeaderBytes) bytes")
        }
        switch parseHeaderSection(line, sectionStart, end + 2) {
        case .success(let (head, length, expectContinue)):
            return stepBody(head, bodyStart: sectionEnd, length: length, expectContinue: expectContinue)
        case .failure(let failure):
            return fail(failure.status, failure.code, failure.message)
        }
    }

    private mutating func stepBody(_ head: Head, bodyStart: Int, length: Int, expectContinue: Bool) -> ParseResult {
        guard buffer.count - bodyStart >= length else {
            state = .body(head, bodyStart: bodyStart, length: length, expectContinue: expectContinue)
            return .needMoreData
        }
        let body = length == 0 ? [] : Array(buffer[bodyStart..<(bodyStart + length)])
        start = bodyStart + length
        state = .requestLine(scan: start, emptyLines: 0)
        return .request(HTTPRequest(
            method: head.line.method, target: head.line.target, path: head.line.path,
            query: head.line.query, headers: head.headers, body: body, version: head.line.version))
    }

    // MARK: - Buffer management

    /// Drops consumed bytes once no index into them is held (between requests), so a long-lived keep-alive
    /// connection's buffer stays the size of one request.
    private mutating func compactIfWorthwhile() {
        guard case .requestLine(let scan, let emptyLines) = state, start > 0 else { return }
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            state = .requestLine(scan: 0, emptyLines: emptyLines)
            start = 0
        } else if start >= 4096 {
            buffer.removeFirst(start)
            state = .requestLine(scan: scan - start, emptyLines: emptyLines)
            start = 0
        }
    }

    private mutating func fail(_ status: Int, _ code: String, _ message: String) -> ParseResult {
        state = .failed(status: status, code: code, message: message)
        return .error(status: status, code: code, message: message)
    }

    private func firstIndex(of byte: UInt8, from: Int) -> Int? {
        buffer.withUnsafeBufferPointer { buf in
            var i = from
            while i < buf.count {
                if buf[i] == byte { return i }
                i += 1
            }
            return nil
        }
    }

    private func firstIndexOfCRLFCRLF(from: Int) -> Int? {
        buffer.withUnsafeBufferPointer { buf in
            var i = from
            let last = buf.count - 4
            while i <= last {
                // Step on LF so most positions cost one comparison.
                if buf[i + 3] != 0x0A { i += buf[i + 3] == 0x0D ? 1 : 4; continue }
                if buf[i] == 0x0D && buf[i + 1] == 0x0A && buf[i + 2] == 0x0D { return i }
                i += 1
            }
            return nil
        }
    }

    // MARK: - Request line

    struct Failure: Error {
        var status: Int
        var code: String
        var message: String
        init(_ status: Int, _ code: String, _ message: String) {
            self.status = status
            self.code = code
            self.message = message
        }
    }

    private func parseRequestLine(_ from: Int, _ to: Int) -> Result<RequestLine, Failure> {
        buffer.withUnsafeBufferPointer { all in
            let line = UnsafeBufferPointer(rebasing: all[from..<to])
            guard let sp1 = line.firstIndex(of: 0x20) else {
                return .failure(Failure(400, "BAD_REQUEST_LINE", "request line must be METHOD SP target SP version"))
            }
            let methodBytes = UnsafeBufferPointer(rebasing: line[..<sp1])
            guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenByte) else {
                return .failure(Failure(400, "BAD_REQUEST_LINE", "method is not a token"))
            }
            let rest = line[(sp1 + 1)...]
            guard let sp2 = rest.firstIndex(of: 0x20) else {
                return .failure(Failure(400, "BAD_REQUEST_LINE", "request line has no HTTP version"))
            }
            let targetBytes = UnsafeBufferPointer(rebasing: line[(sp1 + 1)..<sp2])
            let versionBytes = UnsafeBufferPointer(rebasing: line[(sp2 + 1)...])
            guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return .failure(Failure(400, "BAD_REQUEST_LINE", "request target is empty or has invalid bytes"))
            }
            guard versionBytes.count == 8, versionBytes[0] == UInt8(ascii: "H"), versionBytes[1] == UInt8(ascii: "T"),
                  versionBytes[2] == UInt8(ascii: "T"), versionBytes[3] == UInt8(ascii: "P"),
                  versionBytes[4] == UInt8(ascii: "/"),
                  isDigit(versionBytes[5]), versionBytes[6] == UInt8(ascii: "."), isDigit(versionBytes[7])
            else {
                return .failure(Failure(400, "BAD_REQUEST_LINE", "HTTP version must look like HTTP/1.1"))
            }
            guard versionBytes[5] == UInt8(ascii: "1") else {
                return .failure(Failure(505, "HTTP_VERSION_NOT_SUPPORTED", "only HTTP/1.0 and HTTP/1.1 are supported"))
            }
            let version: HTTPVersion = versionBytes[7] == UInt8(ascii: "0") ? .http1_0 : .http1_1

            // Reduce absolute form to origin form; the authority is not used for routing.
            var pathAndQuery = targetBytes[...]
            if targetBytes.first == UInt8(ascii: "/") || (targetBytes.count == 1 && targetBytes[0] == UInt8(ascii: "*")) {
                // origin form or asterisk form
            } else if let schemeEnd = findSubsequence(targetBytes, "://"),
                      targetBytes[..<schemeEnd].allSatisfy({ isAlpha($0) }), schemeEnd > 0 {
                let authorityStart = schemeEnd + 3
                let pathStart = targetBytes[authorityStart...].firstIndex(where: { $0 == 0x2F || $0 == 0x3F })
                pathAndQuery = pathStart.map { targetBytes[$0...] } ?? targetBytes[targetBytes.endIndex...]
            } else {
                return .failure(Failure(400, "BAD_TARGET", "request target must be an absolute path"))
            }
            let questionMark = pathAndQuery.firstIndex(of: UInt8(ascii: "?"))
            let rawPath = pathAndQuery[..<(questionMark ?? pathAndQuery.endIndex)]
            guard let path = percentDecode(rawPath.isEmpty ? UnsafeBufferPointer(rebasing: targetBytes[0..<0]) : UnsafeBufferPointer(rebasing: rawPath), plusIsSpace: false) else {
                return .failure(Failure(400, "BAD_TARGET", "path has invalid percent-encoding"))
            }
            var query: [String: String] = [:]
            if let questionMark {
                let rawQuery = UnsafeBufferPointer(rebasing: pathAndQuery[(questionMark + 1)...])
                for pair in rawQuery.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
                    let eq = pair.firstIndex(of: UInt8(ascii: "="))
                    let rawName = UnsafeBufferPointer(rebasing: pair[..<(eq ?? pair.endIndex)])
                    let rawValue = eq.map { UnsafeBufferPointer(rebasing: pair[($0 + 1)...]) }
                    guard let name = percentDecode(rawName, plusIsSpace: true),
                          let value = rawValue.map({ percentDecode($0, plusIsSpace: true) }) ?? ""
                    else {
                        return .failure(Failure(400, "BAD_TARGET", "query has invalid percent-encoding"))
                    }
                    query[name] = value
                }
            }
            return .success(RequestLine(
                method: String(decoding: methodBytes, as: UTF8.self),
                target: String(decoding: targetBytes, as: UTF8.self),
                path: rawPath.isEmpty ? "/" : path,
                query: query,
                version: version))
        }
    }

    // MARK: - Header section

    /// Parses header lines in `[from, to)`, where `to` is just past the last header line's CRLF.
    private func parseHeaderSection(_ line: RequestLine, _ from: Int, _ to: Int)
        -> Result<(Head, Int, Bool), Failure>
    {
        buffer.withUnsafeBufferPointer { all in
            var fields: [HTTPHeaders.Element] = []
            fields.reserveCapacity(min(limits.maxHeaderCount, 8))
            var contentLength: Int?
            var hostCount = 0
            var hasTransferEncoding = false
            var expectContinue = false
            var p = from
            while p < to {
                // Lines end in CRLF; the search cannot run past `to` because to - 2 is a CR.
                var cr = p
                while all[cr] != 0x0D {
                    if all[cr] == 0x0A { return .failure(Failure(400, "BAD_HEADER", "header line has a bare LF")) }
                    cr += 1
                }
                guard all[cr + 1] == 0x0A else {
                    return .failure(Failure(400, "BAD_HEADER", "header line has a bare CR"))
                }
                if fields.count == limits.maxHeaderCount {
                    return .failure(Failure(431, "TOO_MANY_HEADERS", "more than \(limits.maxHeaderCount) header lines"))
                }
                let fieldLine = UnsafeBufferPointer(rebasing: all[p..<cr])
                p = cr + 2
                if fieldLine[0] == 0x20 || fieldLine[0] == 0x09 {
                    return .failure(Failure(400, "BAD_HEADER", "obsolete line folding is not accepted"))
                }
                guard let colon = fieldLine.firstIndex(of: UInt8(ascii: ":")) else {
                    return .failure(Failure(400, "BAD_HEADER", "header line has no colon"))
                }
                let name = UnsafeBufferPointer(rebasing: fieldLine[..<colon])
                guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
                    return .failure(Failure(400, "BAD_HEADER", "header name is empty or not a token"))
                }
                var valueStart = colon + 1
                var valueEnd = fieldLine.count
                while valueStart < valueEnd, fieldLine[valueStart] == 0x20 || fieldLine[valueStart] == 0x09 {
                    valueStart += 1
                }
                while valueEnd > valueStart, fieldLine[valueEnd - 1] == 0x20 || fieldLine[valueEnd - 1] == 0x09 {
                    valueEnd -= 1
                }
                let value = UnsafeBufferPointer(rebasing: fieldLine[valueStart..<valueEnd])
                guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
                    return .failure(Failure(400, "BAD_HEADER", "header value has control characters"))
                }
                if nameEquals(name, "content-length") {
                    guard contentLength == nil else {
                        return .failure(Failure(400, "BAD_CONTENT_LENGTH", "Content-Length appears more than once"))
                    }
                    guard !value.isEmpty, value.allSatisfy(isDigit) else {
                        return .failure(Failure(400, "BAD_CONTENT_LENGTH", "Content-Length must be decimal digits"))
                    }
                    var n = 0
                    for digit in value.prefix(18) { n = n * 10 + Int(digit - 0x30) }
                    contentLength = value.count > 18 ? Int.max : n
                } else if nameEquals(name, "transfer-encoding") {
                    hasTransferEncoding = true
                } else if nameEquals(name, "host") {
                    hostCount += 1
                } else if nameEquals(name, "expect") {
                    expectContinue = nameEquals(value, "100-continue")
                }
                fields.append((name: String(decoding: name, as: UTF8.self),
                               value: String(decoding: value, as: UTF8.self)))
            }
            if hasTransferEncoding {
                return .failure(Failure(501, "TRANSFER_ENCODING_NOT_SUPPORTED",
                                        "Transfer-Encoding is not supported; send a Content-Length body"))
            }
            if line.version == .http1_1 && hostCount != 1 {
                return .failure(Failure(400, "BAD_HOST", "an HTTP/1.1 request needs exactly one Host header"))
            }
            let length = contentLength ?? 0
            if length > limits.maxBodyBytes {
                return .failure(Failure(413, "BODY_TOO_LARGE", "body exceeds \(limits.maxBodyBytes) bytes"))
            }
            return .success((Head(line: line, headers: HTTPHeaders(fields: fields)), length, expectContinue && length > 0))
        }
    }
}
