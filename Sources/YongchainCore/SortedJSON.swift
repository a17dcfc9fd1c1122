import Foundation

/// The API's JSON encoding: byte for byte what Foundation's `JSONEncoder` writes with `.sortedKeys` and
/// `.withoutEscapingSlashes`, at a fraction of its cost (it was a fifth of a verification query's CPU). Values
/// are gathered into a small tree of objects and arrays, whose keys are sorted as they are written.
///
/// Only what API answers are made of is handled here: strings, integers, booleans, nil, arrays, dictionaries
/// and structs, with ASCII keys. A value holding anything Foundation encodes in its own way (floating point,
/// 128-bit integers, `Data`, `Date`, `URL`, `Decimal`), a non-ASCII key (Foundation merges keys that are equal
/// as Unicode text but differ in bytes), a super-encoder, a value written twice through one encoder, or nothing
/// at all, is encoded by `JSONEncoder` itself (which may throw), so the output never differs.
public enum SortedJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let w = value as? SortedJSONWritable {
            var writer = SortedJSONWriter()
            w.write(to: &writer)
            return writer.bytes
        }
        do {
            let encoder = ValueEncoder()
            try value.encode(to: encoder)
            guard let v = encoder.value else { throw Unsupported() }
            var out: [UInt8] = []
            out.reserveCapacity(512)
            try write(v, to: &out)
            return out
        } catch is Unsupported {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Array(try e.encode(value))
        }
    }

    struct Unsupported: Error {}

    final class ObjectRef {
        var pairs: [(key: String, value: Value)] = []
    }

    final class ArrayRef {
        var items: [Value] = []
    }

    enum Value {
        case null
        case bool(Bool)
        case int(Int64)
        case uint(UInt64)
        case string(String)
        case object(ObjectRef)
        case array(ArrayRef)
        /// Where a super-encoder was asked for: the whole value goes to `JSONEncoder` instead.
        case unsupported
    }

    /// The value of a leaf type written directly, nil for a type that encodes itself; throws for the types
    /// `JSONEncoder` treats specially. Types are compared by identity: a dynamic cast per case cost more than
    /// the rest of the encoding.
    static func leaf<T: Encodable>(_ v: T) throws -> Value? {
        let t = T.self
        if t == String.self { return .string(unsafeBitCast(v, to: String.self)) }
        if t == Int.self { return .int(Int64(unsafeBitCast(v, to: Int.self))) }
        if t == UInt64.self { return .uint(unsafeBitCast(v, to: UInt64.self)) }
        if t == Int64.self { return .int(unsafeBitCast(v, to: Int64.self)) }
        if t == Bool.self { return .bool(unsafeBitCast(v, to: Bool.self)) }
        if t == Int32.self { return .int(Int64(unsafeBitCast(v, to: Int32.self))) }
        if t == UInt32.self { return .uint(UInt64(unsafeBitCast(v, to: UInt32.self))) }
        if t == UInt.self { return .uint(UInt64(unsafeBitCast(v, to: UInt.self))) }
        if t == UInt16.self { return .uint(UInt64(unsafeBitCast(v, to: UInt16.self))) }
        if t == UInt8.self { return .uint(UInt64(unsafeBitCast(v, to: UInt8.self))) }
        if t == Int16.self { return .int(Int64(unsafeBitCast(v, to: Int16.self))) }
        if t == Int8.self { return .int(Int64(unsafeBitCast(v, to: Int8.self))) }
        if t == Double.self || t == Float.self || t == Data.self || t == Date.self || t == URL.self || t == Decimal.self
            || t == Int128.self || t == UInt128.self {
            throw Unsupported()
        }
        return nil
    }

    static func value<T: Encodable>(of v: T) throws -> Value {
        if let l = try leaf(v) { return l }
        let e = ValueEncoder()
        try v.encode(to: e)
        // A nested value that encodes nothing is `{}` in JSONEncoder too.
        return e.value ?? .object(ObjectRef())
    }

    final class ValueEncoder: Encoder {
        var value: Value?
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        /// A second request gets the same container, as in JSONEncoder; one after a different kind of value
        /// sends the whole value to JSONEncoder.
        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .object(let o)? = value { return KeyedEncodingContainer(Keyed(object: o)) }
            let o = ObjectRef()
            value = value == nil ? .object(o) : .unsupported
            return KeyedEncodingContainer(Keyed(object: o))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .array(let a)? = value { return Unkeyed(array: a) }
            let a = ArrayRef()
            value = value == nil ? .array(a) : .unsupported
            return Unkeyed(array: a)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let object: ObjectRef
        var codingPath: [any CodingKey] { [] }

        func encodeNil(forKey key: Key) { object.pairs.append((key.stringValue, .null)) }
        func encode(_ value: String, forKey key: Key) { object.pairs.append((key.stringValue, .string(value))) }
        func encode(_ value: Bool, forKey key: Key) { object.pairs.append((key.stringValue, .bool(value))) }
        func encode(_ value: Int, forKey key: Key) { object.pairs.append((key.stringValue, .int(Int64(value)))) }
        func encode(_ value: Int64, forKey key: Key) { object.pairs.append((key.stringValue, .int(value))) }
        func encode(_ value: UInt64, forKey key: Key) { object.pairs.append((key.stringValue, .uint(value))) }
        func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            object.pairs.append((key.stringValue, try SortedJSON.value(of: value)))
        }

        /// A second request for the same key gets the same container, as in JSONEncoder.
        func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let k = key.stringValue
            if let p = object.pairs.last(where: { $0.key == k }), case .object(let o) = p.value {
                return KeyedEncodingContainer(Keyed<NestedKey>(object: o))
            }
            let o = ObjectRef()
            object.pairs.append((k, .object(o)))
            return KeyedEncodingContainer(Keyed<NestedKey>(object: o))
        }

        func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let k = key.stringValue
            if let p = object.pairs.last(where: { $0.key == k }), case .array(let a) = p.value { return Unkeyed(array: a) }
            let a = ArrayRef()
            object.pairs.append((k, .array(a)))
            return Unkeyed(array: a)
        }

        func superEncoder() -> any Encoder {
            object.pairs.append(("super", .unsupported))
            return ValueEncoder()
        }
        func superEncoder(forKey key: Key) -> any Encoder {
            object.pairs.append((key.stringValue, .unsupported))
            return ValueEncoder()
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let array: ArrayRef
        var codingPath: [any CodingKey] { [] }
        var count: Int { array.items.count }

        func encodeNil() { array.items.append(.null) }
        func encode(_ value: String) { array.items.append(.string(value)) }
        func encode(_ value: Bool) { array.items.append(.bool(value)) }
        func encode(_ value: Int) { array.items.append(.int(Int64(value))) }
        func encode<T: Encodable>(_ value: T) throws { array.items.append(try SortedJSON.value(of: value)) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let o = ObjectRef()
            array.items.append(.object(o))
            return KeyedEncodingContainer(Keyed<NestedKey>(object: o))
        }

        func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let a = ArrayRef()
            array.items.append(.array(a))
            return Unkeyed(array: a)
        }

        func superEncoder() -> any Encoder {
            array.items.append(.unsupported)
            return ValueEncoder()
        }
    }

    /// One value per encoder; a second one (JSONEncoder keeps the first, or traps) goes to JSONEncoder.
    struct Single: SingleValueEncodingContainer {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { [] }

        func set(_ v: Value) { encoder.value = encoder.value == nil ? v : .unsupported }
        func encodeNil() { set(.null) }
        func encode(_ value: String) { set(.string(value)) }
        func encode(_ value: Bool) { set(.bool(value)) }
        func encode(_ value: Int) { set(.int(Int64(value))) }
        func encode<T: Encodable>(_ value: T) throws { set(try SortedJSON.value(of: value)) }
    }

    // MARK: - Writing

    static func write(_ v: Value, to out: inout [UInt8]) throws {
        switch v {
        case .unsupported: throw Unsupported()
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let n):
            if n < 0 { out.append(UInt8(ascii: "-")) }
            writeDecimal(n.magnitude, to: &out)
        case .uint(let n): writeDecimal(n, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, item) in a.items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            // Keys in byte order, as JSONEncoder sorts them. A later pair under a key already written replaces it,
            // as in JSONEncoder; Swift's sort is stable. Keys are ASCII (writeKey refuses others), where String's
            // order is the bytes' order (and its fast path, where comparing the UTF-8 views went a byte at a time)
            // and equal text is equal bytes.
            var pairs = o.pairs
            if pairs.count > 1 { pairs.sort { $0.key < $1.key } }
            var first = true
            for (i, p) in pairs.enumerated() {
                if i + 1 < pairs.count, pairs[i + 1].key == p.key { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                try writeKey(p.key, to: &out)
                out.append(UInt8(ascii: ":"))
                try write(p.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeDecimal(_ n: UInt64, to out: inout [UInt8]) {
        var length = 1
        var rest = n
        while rest >= 10 { rest /= 10; length += 1 }
        out.append(contentsOf: repeatElement(0, count: length))
        var i = out.count - 1
        rest = n
        repeat {
            out[i] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            i -= 1
        } while rest > 0
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeKey(_ key: String, to out: inout [UInt8]) throws {
        guard key.utf8.allSatisfy({ $0 < 0x80 }) else { throw Unsupported() }
        writeString(key, to: &out)
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0, i = 0
            while i < bytes.count {
                // Eight bytes at a time past the common case, a run with nothing to escape (hashes, base64).
                if bytes.count - i >= 8, !mayNeedEscape(UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)) {
                    i += 8
                    continue
                }
                let b = bytes[i]
                i += 1
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i - 1]))
                start = i
                out.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                default:
                    out.append(contentsOf: "u00".utf8)
                    out.append(hexDigits[Int(b >> 4)])
                    out.append(hexDigits[Int(b & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether any of the eight bytes in `w` is below 0x20, a quote or a backslash (exact for "any": the bit tricks
    /// of "Bit Twiddling Hacks", determine if a word has a byte less than n / equal to n).
    @inline(__always) static func mayNeedEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
        let below = (w &- ones &* 0x20) & ~w
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        return (below | zeroQuote | zeroBackslash) & highs != 0
    }
}
