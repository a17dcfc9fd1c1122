/// JSON read strictly, so that a value means one thing in every language: the JSON of request bodies (the node
/// refuses a body that is not strict JSON with `MALFORMED_JSON` before decoding it) and of proven answers, whose
/// comparison it defines (docs/proofs.md, "Comparing answers"). RFC 8259 JSON in UTF-8 where
///
/// - every number is an integer written `-?(0|[1-9][0-9]*)` from −2^63 to 2^64−1 (Yongchain has no other kind:
///   money is integer minor units, heights, times and amounts are integers), so `800000.0` and `8e5` are refused,
///   never taken for `800000` (a decoder would also take `1000.000000000000000001` for `1000`);
/// - strings are compared by their Unicode scalars, never normalised (`é` as one scalar is not `e` + U+0301), and a
///   `\u` escape of a lone surrogate is refused;
/// - an object's keys are distinct (a duplicate key is refused: parsers disagree on which one wins), and their
///   order is not part of the value.
///
/// Two values are the same when they are equal as `StrictJSON`.
public indirect enum StrictJSON: Sendable, Equatable {
    case object([[UInt8]: StrictJSON])
    case array([StrictJSON])
    /// The string's scalars as UTF-8.
    case string([UInt8])
    /// The integer's decimal text, canonical (no leading zeros, no `-0`), so equal text is equal value.
    case integer(String)
    case bool(Bool)
    case null

    /// Levels of nesting (arrays and objects) accepted: no answer or request is near it, and recursion must stay
    /// bounded for hostile input.
    static let maxDepth = 64

    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "byte \(offset): \(reason)" }
    }

    public static func parse(_ bytes: [UInt8]) throws(Malformed) -> StrictJSON {
        try read(bytes, build: true)
    }

    /// `parse`, building at most `maxValues` values: nil when the text holds more (the rest unread, strict or not),
    /// so that a reader of a few fields cannot be made to build a tree many times the body's size (a value built
    /// costs some hundreds of bytes; an 8 MiB body of `{"a":1},` is a million objects).
    public static func parse(_ bytes: [UInt8], maxValues: Int) throws(Malformed) -> StrictJSON? {
        var p = Parser(bytes: bytes, build: true, budget: maxValues)
        do throws(Malformed) { return try p.document() } catch {
            if p.budget < 0 { return nil }
            throw error
        }
    }

    /// Refuses `bytes` exactly when `parse` would, with the same error, without building the value: what a
    /// request body's check needs before it is decoded (a value's ASCII strings are not even copied).
    public static func check(_ bytes: [UInt8]) throws(Malformed) {
        _ = try read(bytes, build: false)
    }

    /// With `build` false the value returned is a placeholder: only whether the bytes are strict JSON is known.
    private static func read(_ bytes: [UInt8], build: Bool) throws(Malformed) -> StrictJSON {
        var p = Parser(bytes: bytes, build: build)
        return try p.document()
    }

    /// The member `key` of an object, if this is one and has it.
    public subscript(key: String) -> StrictJSON? {
        guard case .object(let o) = self else { return nil }
        return o[Array(key.utf8)]
    }

    public var text: String? {
        guard case .string(let s) = self else { return nil }
        return String(decoding: s, as: UTF8.self)
    }

    private struct Parser {
        let bytes: [UInt8]
        /// Whether values are built (`parse`) or only checked (`check`): keys are kept either way, to find duplicates.
        let build: Bool
        /// Values that may still be built; below zero, `value` throws (`parse(_:maxValues:)`).
        var budget = Int.max
        var i = 0

        init(bytes: [UInt8], build: Bool, budget: Int = Int.max) {
            self.bytes = bytes
            self.build = build
            self.budget = budget
        }

        func fail(_ reason: String) -> Malformed { Malformed(offset: i, reason: reason) }

        /// The whole text as one value, with nothing but space around it.
        mutating func document() throws(Malformed) -> StrictJSON {
            space()
            let v = try value(depth: 0)
            space()
            guard i == bytes.count else { throw Malformed(offset: i, reason: "text after the JSON value") }
            return v
        }

        mutating func space() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0a, 0x0d: i += 1
                default: return
                }
            }
        }

        mutating func expect(_ literal: StaticString) throws(Malformed) {
            let n = literal.utf8CodeUnitCount
            guard bytes.count - i >= n, (0..<n).allSatisfy({ bytes[i + $0] == literal.utf8Start[$0] }) else { throw fail("expected \(literal)") }
            i += n
        }

        mutating func value(depth: Int) throws(Malformed) -> StrictJSON {
            guard depth < StrictJSON.maxDepth else { throw fail("nested deeper than \(StrictJSON.maxDepth)") }
            if build {
                budget -= 1
                guard budget >= 0 else { throw fail("more values than the reader builds") }
            }
            guard i < bytes.count else { throw fail("the text ends where a value should be") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["):
                i += 1
                var items: [StrictJSON] = []
                space()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    space()
                    let item = try value(depth: depth + 1)
                    if build { items.append(item) }
                    space()
                    if try separator(close: "]") { return .array(items) }
                }
            case UInt8(ascii: "\""): return .string(try string(keep: build))
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default: return try integer()
            }
        }

        /// After an item: `,` (false: another follows) or `close` (true: done).
        mutating func separator(close: Character) throws(Malformed) -> Bool {
            guard i < bytes.count else { throw fail("the text ends inside a list or object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; return false }
            if bytes[i] == close.asciiValue { i += 1; return true }
            throw fail("expected , or \(close)")
        }

        mutating func object(depth: Int) throws(Malformed) -> StrictJSON {
            i += 1
            var members: [[UInt8]: StrictJSON] = [:]
            var keys = Set<[UInt8]>()
            space()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                space()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let at = i
                let key = try string(keep: true)
                space()
                try expect(":")
                space()
                let v = try value(depth: depth + 1)
                guard build ? members.updateValue(v, forKey: key) == nil : keys.insert(key).inserted else {
                    throw Malformed(offset: at, reason: "key \"\(String(decoding: key, as: UTF8.self))\" appears twice")
                }
                space()
                if try separator(close: "}") { return .object(members) }
            }
        }

        mutating func integer() throws(Malformed) -> StrictJSON {
            let start = i
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            let digitsStart = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
            let digits = bytes[digitsStart..<i]
            guard !digits.isEmpty else { throw fail("not a JSON value") }
            if i < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[i]) {
                throw Malformed(offset: start, reason: "a number with a fraction or exponent: an answer's numbers are integers")
            }
            guard digits.first != 0x30 || digits.count == 1 else { throw Malformed(offset: start, reason: "a number with a leading zero") }
            // Up to 18 digits always fit in an Int64; "-0" and longer ones are judged by their text.
            if digits.count > 18 || (start < digitsStart && digits.first == 0x30) {
                let text = String(decoding: bytes[start..<i], as: UTF8.self)
                guard text != "-0", Int64(text) != nil || UInt64(text) != nil else {
                    throw Malformed(offset: start, reason: "\(text) is not an integer from -2^63 to 2^64-1")
                }
            }
            return build ? .integer(String(decoding: bytes[start..<i], as: UTF8.self)) : .null
        }

        mutating func hex4() throws(Malformed) -> UInt32 {
            guard bytes.count - i >= 4 else { throw fail("a short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: throw fail("a \\u escape needs four hex digits")
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        /// A string's scalars as UTF-8 (empty unless `keep`); its raw bytes must be valid UTF-8. Each run of raw
        /// bytes between escapes is checked on its own, and only when it has a byte above ASCII: an escape always
        /// stands for whole scalars, so the runs are valid exactly when the whole string is.
        mutating func string(keep: Bool) throws(Malformed) -> [UInt8] {
            i += 1
            var out: [UInt8] = []
            var runStart = i
            var high = false, notUTF8 = false
            while true {
                guard i < bytes.count else { throw fail("the text ends inside a string") }
                // Eight bytes at a time past a run of plain ASCII (hex, base64): nothing above ASCII, to escape or to end.
                if bytes.count - i >= 8 {
                    let w = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i, as: UInt64.self) }
                    if w & 0x8080_8080_8080_8080 == 0, !SortedJSON.mayNeedEscape(w) { i += 8; continue }
                }
                let c = bytes[i]
                if c >= 0x80 { high = true; i += 1; continue }
                if c != UInt8(ascii: "\""), c != UInt8(ascii: "\\") {
                    guard c >= 0x20 else { throw fail("a control character inside a string") }
                    i += 1
                    continue
                }
                if high, String(validating: bytes[runStart..<i], as: UTF8.self) == nil { notUTF8 = true }
                high = false
                if keep { out += bytes[runStart..<i] }
                i += 1
                if c == UInt8(ascii: "\"") {
                    guard !notUTF8 else { throw Malformed(offset: runStart, reason: "a string that is not UTF-8") }
                    return out
                }
                guard i < bytes.count else { throw fail("the text ends inside an escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): if keep { out.append(e) }
                case UInt8(ascii: "b"): if keep { out.append(0x08) }
                case UInt8(ascii: "f"): if keep { out.append(0x0c) }
                case UInt8(ascii: "n"): if keep { out.append(0x0a) }
                case UInt8(ascii: "r"): if keep { out.append(0x0d) }
                case UInt8(ascii: "t"): if keep { out.append(0x09) }
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800...0xDBFF).contains(v) {
                        guard bytes.count - i >= 2, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw fail("a lone surrogate \\u escape")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("a lone surrogate \\u escape") }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(v) {
                        throw fail("a lone surrogate \\u escape")
                    }
                    if keep { out += Array(String(Character(Unicode.Scalar(v)!)).utf8) }
                default: throw fail("an unknown escape \\\(Character(Unicode.Scalar(e)))")
                }
                runStart = i
            }
        }
    }
}
