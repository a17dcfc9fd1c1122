/// An ordered list of header fields as they appeared on the wire (or as a handler added them).
///
/// Names keep their original spelling; every lookup compares names ASCII-case-insensitively, as RFC 9110 requires.
/// Repeated names are kept as separate entries; `subscript(name)` returns the first.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (name: String, value: String)

    private(set) var fields: [Element]

    public init() { fields = [] }

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Internal fast path for the parser, which builds the array itself.
    init(fields: [Element]) { self.fields = fields }

    public var count: Int { fields.count }

    /// The first value whose name matches `name`, case-insensitively.
    public subscript(name: String) -> String? {
        for field in fields where asciiCaseInsensitiveEquals(field.name, name) { return field.value }
        return nil
    }

    /// Every value whose name matches `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Whether `a` and `b` name the same field (ASCII case-insensitive, RFC 9110): for a caller that finds several
    /// fields in one pass over the headers.
    public static func sameName(_ a: String, _ b: String) -> Bool { asciiCaseInsensitiveEquals(a, b) }

    /// Appends a field, keeping any existing ones of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with a single one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name: name, value: value))
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { asciiCaseInsensitiveEquals($0.name, name) }
    }

    public func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }
}

@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 {
    byte &- 0x41 < 26 ? byte | 0x20 : byte
}

func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    let a = a.utf8, b = b.utf8
    guard a.count == b.count else { return false }
    // Over the bytes themselves where both strings are contiguous (native ones are): `elementsEqual` on the UTF-8
    // views went through their iterators, a thousand instructions a header name on every request.
    let contiguous = a.withContiguousStorageIfAvailable { pa in
        b.withContiguousStorageIfAvailable { pb in
            for i in 0..<pa.count where pa[i] != pb[i] && asciiLower(pa[i]) != asciiLower(pb[i]) { return false }
            return true
        }
    }
    if let same = contiguous ?? nil { return same }
    return a.elementsEqual(b) { asciiLower($0) == asciiLower($1) }
}

/// True when the comma-separated header value `list` contains `token` (case-insensitive), e.g. `close` in
/// `Connection: keep-alive, close`.
func headerListContains(_ list: String, token: String) -> Bool {
    for part in list.utf8.split(separator: UInt8(ascii: ",")) {
        var slice = part[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        if slice.count == token.utf8.count,
           slice.elementsEqual(token.utf8, by: { asciiLower($0) == asciiLower($1) }) {
            return true
        }
    }
    return false
}
