/// Parses one HTTP/1.x response from bytes a client has received so far. No I/O.
///
/// Bodies are framed by `Content-Length`, or run to the end of the connection when there is none. Chunked
/// responses are refused (`BAD_RESPONSE`): Yongchain's servers never send them. Interim 1xx responses are skipped.
struct HTTPResponseParser {
    enum Outcome {
        /// `reusable`: the connection may carry another request (keep-alive, length-framed, nothing left over).
        case complete(HTTPResponse, reusable: Bool)
        case needMoreData
        case failure(HTTPError)
    }

    static let maxHeadBytes = 64 * 1024

    let maxResponseBytes: Int
    let isHeadRequest: Bool
    private(set) var buffer: [UInt8] = []
    private var scan = 0
    private var head: Head?

    private struct Head {
        var status: Int
        var headers: HTTPHeaders
        var bodyStart: Int
        /// nil: read to end of connection.
        var length: Int?
        var keepAlive: Bool
    }

    init(maxResponseBytes: Int, isHeadRequest: Bool) {
        self.maxResponseBytes = maxResponseBytes
        self.isHeadRequest = isHeadRequest
    }

    var receivedAnything: Bool { !buffer.isEmpty || head != nil }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    /// `eof`: the peer has closed its side; a body without Content-Length ends here.
    mutating func parse(eof: Bool) -> Outcome {
        while head == nil {
            guard let end = findCRLFCRLF() else {
                if buffer.count > Self.maxHeadBytes {
                    return .failure(bad("response header section exceeds \(Self.maxHeadBytes) bytes"))
                }
                if eof { return .failure(closed()) }
                return .needMoreData
            }
            switch parseHead(end) {
            case .failure(let error):
                return .failure(error)
            case .success(let parsed):
                if parsed.status >= 100 && parsed.status < 200 {
                    buffer.removeFirst(parsed.bodyStart)  // interim response: the real one follows
                    scan = 0
                    continue
                }
                head = parsed
            }
        }
        let head = head!
        let available = buffer.count - head.bodyStart
        if let length = head.length {
            if head.bodyStart + length > maxResponseBytes {
                return .failure(HTTPError(code: "RESPONSE_TOO_LARGE",
                                          message: "response of \(length) body bytes exceeds the \(maxResponseBytes)-byte limit"))
            }
            guard available >= length else { return eof ? .failure(closed()) : .needMoreData }
            let body = Array(buffer[head.bodyStart..<(head.bodyStart + length)])
            let leftover = available > length
            return .complete(HTTPResponse(status: head.status, headers: head.headers, body: body),
                             reusable: head.keepAlive && !leftover && !eof)
        }
        if buffer.count > maxResponseBytes {
            return .failure(HTTPError(code: "RESPONSE_TOO_LARGE",
                                      message: "response exceeds the \(maxResponseBytes)-byte limit"))
        }
        guard eof else { return .needMoreData }
        return .complete(HTTPResponse(status: head.status, headers: head.headers, body: Array(buffer[head.bodyStart...])),
                         reusable: false)
    }

    private func bad(_ message: String) -> HTTPError { HTTPError(code: "BAD_RESPONSE", message: message) }
    private func closed() -> HTTPError {
        HTTPError(code: "CONNECTION_CLOSED", message: "the server closed the connection before a complete response")
    }

    private mutating func findCRLFCRLF() -> Int? {
        var i = max(scan, 0)
        while i + 4 <= buffer.count {
            if buffer[i] == 0x0D && buffer[i + 1] == 0x0A && buffer[i + 2] == 0x0D && buffer[i + 3] == 0x0A {
                return i
            }
            i += 1
        }
        scan = max(0, buffer.count - 3)
        return nil
    }

    private func parseHead(_ end: Int) -> Result<Head, HTTPError> {
        // Status line: HTTP/1.d SP 3DIGIT [SP reason]
        var lines = buffer[..<end].split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 0x0D ? line.dropLast() : line
        }
        let statusLine = lines.removeFirst()
        guard statusLine.count >= 12, statusLine.starts(with: "HTTP/1.".utf8),
              statusLine[statusLine.startIndex + 8] == 0x20
        else {
            return .failure(bad("status line is not HTTP/1.x"))
        }
        let minor = statusLine[statusLine.startIndex + 7]
        let codeBytes = statusLine[(statusLine.startIndex + 9)..<(statusLine.startIndex + 12)]
        guard codeBytes.allSatisfy({ $0 &- 0x30 < 10 }) else { return .failure(bad("status code is not 3 digits")) }
        let status = codeBytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        var fields: [HTTPHeaders.Element] = []
        var contentLength: Int?
        for line in lines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
                return .failure(bad("header line has no name or colon"))
            }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            var value = line[(colon + 1)...]
            while let f = value.first, f == 0x20 || f == 0x09 { value = value.dropFirst() }
            while let l = value.last, l == 0x20 || l == 0x09 { value = value.dropLast() }
            let valueString = String(decoding: value, as: UTF8.self)
            if asciiCaseInsensitiveEquals(name, "Content-Length") {
                guard !value.isEmpty, value.count <= 18, value.allSatisfy({ $0 &- 0x30 < 10 }),
                      contentLength == nil || contentLength == Int(valueString)
                else {
                    return .failure(bad("Content-Length is invalid or conflicting"))
                }
                contentLength = Int(valueString)
            } else if asciiCaseInsensitiveEquals(name, "Transfer-Encoding") {
                return .failure(bad("Transfer-Encoding responses are not supported"))
            }
            fields.append((name: name, value: valueString))
        }
        let headers = HTTPHeaders(fields: fields)
        let connection = headers["Connection"]
        let keepAlive = minor == UInt8(ascii: "0")
            ? connection.map { headerListContains($0, token: "keep-alive") } ?? false
            : !(connection.map { headerListContains($0, token: "close") } ?? false)
        let noBody = isHeadRequest || status == 204 || status == 304 || status < 200
        let length = noBody ? 0 : contentLength
        return .success(Head(status: status, headers: headers, bodyStart: end + 4, length: length,
                             keepAlive: keepAlive && length != nil))
    }
}
