/// What the client writes (a request's bytes) and where to (a URL's host, port and path).
extension HTTPClient {
    static func encodeRequest(_ method: String, host: String, port: UInt16, path: String, headers: [(String, String)],
                              body: [UInt8]) throws -> [UInt8] {
        guard !method.isEmpty, method.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
            throw HTTPError(code: "INVALID_REQUEST", message: "method \"\(method)\" is not a token")
        }
        guard path.utf8.first == UInt8(ascii: "/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPError(code: "INVALID_REQUEST",
                            message: "path must start with / and contain no spaces or control characters (percent-encode them)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(128 + path.utf8.count + body.count)
        out.append(contentsOf: method.utf8)
        out.append(0x20)
        out.append(contentsOf: path.utf8)
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        var hasHost = false
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }),
                  value.utf8.allSatisfy({ $0 != 0x0D && $0 != 0x0A && $0 != 0 })
            else {
                throw HTTPError(code: "INVALID_REQUEST", message: "header \"\(name)\" has an invalid name or a line break in its value")
            }
            if asciiCaseInsensitiveEquals(name, "Content-Length") || asciiCaseInsensitiveEquals(name, "Transfer-Encoding") {
                continue
            }
            if asciiCaseInsensitiveEquals(name, "Host") { hasHost = true }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !hasHost {
            out.append(contentsOf: "Host: ".utf8)
            out.append(contentsOf: (host.contains(":") ? "[\(host)]" : host).utf8)
            out.append(UInt8(ascii: ":"))
            appendDecimal(Int(port), to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(body.count, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: body)
        return out
    }

    /// Splits `http://host[:port][/path]` into its parts; IPv6 hosts are written `[::1]`.
    static func parseURL(_ url: String, allowHTTPS: Bool = false) throws -> (host: String, port: UInt16, path: String) {
        let invalid = HTTPError(code: "INVALID_URL", message: "\"\(url)\" is not an http://host[:port]/path URL")
        let bytes = Array(url.utf8)
        var scheme = Array("http://".utf8)
        var defaultPort: UInt16 = 80
        if url.lowercased().hasPrefix("https://") {
            guard allowHTTPS else {
                throw HTTPError(code: "INVALID_URL", message: "https needs a client made with a TLS transport: \(url)")
            }
            scheme = Array("https://".utf8)
            defaultPort = 443
        }
        guard bytes.count > scheme.count,
              zip(bytes, scheme).allSatisfy({ asciiLower($0) == $1 })
        else { throw invalid }
        let rest = bytes[scheme.count...]
        let authorityEnd = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(decoding: rest[authorityEnd...], as: UTF8.self)
        if path.isEmpty { path = "/" } else if path.utf8.first == UInt8(ascii: "?") { path = "/" + path }
        var host: String
        var portPart: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw invalid }
            host = String(decoding: authority[(authority.startIndex + 1)..<close], as: UTF8.self)
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { throw invalid }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            host = String(decoding: authority[..<colon], as: UTF8.self)
            portPart = authority[(colon + 1)...]
        } else {
            host = String(decoding: authority, as: UTF8.self)
        }
        guard !host.isEmpty, !host.contains("@") else { throw invalid }
        var port = defaultPort
        if let portPart {
            guard let p = UInt16(String(decoding: portPart, as: UTF8.self)), p > 0 else { throw invalid }
            port = p
        }
        host = host.lowercased()
        return (host, port, path)
    }
}
