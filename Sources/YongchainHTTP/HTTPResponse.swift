/// A response a handler returns (server side) or the client received.
///
/// The server always writes `Content-Length` itself (any `Content-Length`, `Transfer-Encoding` or `Connection` the
/// handler sets is replaced); a handler that sets `Connection: close` makes the server close after this response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with `Content-Type: application/json`; `body` must already be encoded JSON.
    public static func json(_ status: Int, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: jsonHeaders, body: body)
    }

    public static func text(_ status: Int, _ s: String, contentType: String = "text/plain; charset=utf-8")
        -> HTTPResponse
    {
        let headers = contentType == "text/plain; charset=utf-8"
            ? textHeaders : HTTPHeaders(fields: [(name: "Content-Type", value: contentType)])
        return HTTPResponse(status: status, headers: headers, body: Array(s.utf8))
    }

    /// The error shape every server-generated error uses: `{"error":{"code":"...","message":"..."}}`.
    static func error(_ status: Int, code: String, message: String) -> HTTPResponse {
        var body = Array(#"{"error":{"code":""#.utf8)
        appendJSONEscaped(code, to: &body)
        body.append(contentsOf: #"","message":""#.utf8)
        appendJSONEscaped(message, to: &body)
        body.append(contentsOf: #""}}"#.utf8)
        return .json(status, body)
    }
}

// Shared (copy-on-write) so the common constructors allocate no header storage per response.
private let jsonHeaders = HTTPHeaders(fields: [(name: "Content-Type", value: "application/json")])
private let textHeaders = HTTPHeaders(fields: [(name: "Content-Type", value: "text/plain; charset=utf-8")])

private func appendJSONEscaped(_ s: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    for byte in s.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, byte])
        case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, byte])
        case 0..<0x20: out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
        default: out.append(byte)
        }
    }
}

extension HTTPResponse {
    /// Serialises the response into `out` (appending) as one buffer ready for a single `send()`.
    ///
    /// - Parameters:
    ///   - includeBody: false for HEAD (Content-Length still describes the body a GET would get).
    ///   - connection: the `Connection` header to write, or nil for none (HTTP/1.1 keep-alive default).
    ///   - date: the preformatted `Date` header line including CRLF.
    func serialize(into out: inout [UInt8], includeBody: Bool, connection: StaticString?, dateLine: [UInt8]) {
        out.append(contentsOf: statusLine(status))
        out.append(contentsOf: dateLine)
        for field in headers.fields {
            if isHopOrFramingHeader(field.name) { continue }
            // A CR or LF in a handler's header would split the response; drop such a field rather than send it.
            if field.name.utf8.contains(where: isLineBreak) || field.value.utf8.contains(where: isLineBreak) {
                continue
            }
            out.append(contentsOf: field.name.utf8)
            out.append(0x3A)
            out.append(0x20)
            out.append(contentsOf: field.value.utf8)
            out.append(0x0D)
            out.append(0x0A)
        }
        out.append(contentsOf: "Content-Length: ".utf8)
        appendDecimal(body.count, to: &out)
        out.append(0x0D)
        out.append(0x0A)
        if let connection {
            out.append(contentsOf: "Connection: ".utf8)
            connection.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(0x0D)
            out.append(0x0A)
        }
        out.append(0x0D)
        out.append(0x0A)
        if includeBody { out.append(contentsOf: body) }
    }

    /// Whether the handler asked for the connection to be closed after this response.
    var requestsClose: Bool {
        guard let value = headers["Connection"] else { return false }
        return headerListContains(value, token: "close")
    }
}

@inline(__always)
private func isLineBreak(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0x0A }

private func isHopOrFramingHeader(_ name: String) -> Bool {
    let count = name.utf8.count
    return (count == 14 && asciiCaseInsensitiveEquals(name, "Content-Length"))
        || (count == 17 && asciiCaseInsensitiveEquals(name, "Transfer-Encoding"))
        || (count == 10 && asciiCaseInsensitiveEquals(name, "Connection"))
}

func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value == 0 { out.append(0x30); return }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var v = value.magnitude
    var n = 0
    withUnsafeMutableBytes(of: &digits) { buf in
        while v > 0 {
            buf[19 - n] = UInt8(truncatingIfNeeded: v % 10) + 0x30
            v /= 10
            n += 1
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: buf[(20 - n)...])
    }
}

private func statusLine(_ status: Int) -> [UInt8] {
    switch status {
    case 200: return statusLine200
    case 404: return statusLine404
    default:
        var line = Array("HTTP/1.1 ".utf8)
        appendDecimal(status, to: &line)
        line.append(0x20)
        line.append(contentsOf: reasonPhrase(status).utf8)
        line.append(0x0D)
        line.append(0x0A)
        return line
    }
}

private let statusLine200 = Array("HTTP/1.1 200 OK\r\n".utf8)
private let statusLine404 = Array("HTTP/1.1 404 Not Found\r\n".utf8)

func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: return "Continue"
    case 200: return "OK"
    case 201: return "Created"
    case 202: return "Accepted"
    case 204: return "No Content"
    case 301: return "Moved Permanently"
    case 302: return "Found"
    case 304: return "Not Modified"
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 403: return "Forbidden"
    case 404: return "Not Found"
    case 405: return "Method Not Allowed"
    case 408: return "Request Timeout"
    case 409: return "Conflict"
    case 410: return "Gone"
    case 411: return "Length Required"
    case 413: return "Content Too Large"
    case 414: return "URI Too Long"
    case 415: return "Unsupported Media Type"
    case 422: return "Unprocessable Content"
    case 429: return "Too Many Requests"
    case 431: return "Request Header Fields Too Large"
    case 500: return "Internal Server Error"
    case 501: return "Not Implemented"
    case 502: return "Bad Gateway"
    case 503: return "Service Unavailable"
    case 504: return "Gateway Timeout"
    case 505: return "HTTP Version Not Supported"
    default: return "Status"
    }
}
