// The request parser's byte classes and percent-decoding (RFC 9110, RFC 3986).

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
@inline(__always) func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }

/// RFC 9110 tchar.
@inline(__always) func isTokenByte(_ b: UInt8) -> Bool {
    if isDigit(b) || isAlpha(b) { return true }
    switch b {
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

/// Case-insensitive comparison with a lowercase ASCII literal.
@inline(__always) func nameEquals(_ bytes: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
    guard bytes.count == lower.utf8CodeUnitCount else { return false }
    let l = lower.utf8Start
    for i in 0..<bytes.count where asciiLower(bytes[i]) != l[i] { return false }
    return true
}

func findSubsequence(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Int? {
    let n = needle.utf8CodeUnitCount
    guard haystack.count >= n else { return nil }
    for i in 0...(haystack.count - n) {
        var match = true
        for j in 0..<n where haystack[i + j] != needle.utf8Start[j] { match = false; break }
        if match { return i }
    }
    return nil
}

@inline(__always) func hexValue(_ b: UInt8) -> UInt8? {
    if isDigit(b) { return b - 0x30 }
    let l = b | 0x20
    if l >= 0x61 && l <= 0x66 { return l - 0x61 + 10 }
    return nil
}

/// Decodes `%XX` escapes (and `+` as space in query components); nil for a malformed escape or non-UTF-8 result.
func percentDecode(_ bytes: UnsafeBufferPointer<UInt8>, plusIsSpace: Bool) -> String? {
    if !bytes.contains(UInt8(ascii: "%")) && !(plusIsSpace && bytes.contains(UInt8(ascii: "+"))) {
        return String(decoding: bytes, as: UTF8.self)  // printable ASCII only (checked by the request-line parser)
    }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        if b == UInt8(ascii: "%") {
            guard i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) else {
                return nil
            }
            out.append(hi << 4 | lo)
            i += 3
        } else {
            out.append(plusIsSpace && b == UInt8(ascii: "+") ? 0x20 : b)
            i += 1
        }
    }
    return String(validating: out, as: UTF8.self)
}
