/// A value that writes its own JSON: byte for byte what its `Encodable` conformance gives through `SortedJSON`
/// (keys in byte order, optionals left out when nil), without the tree of values `SortedJSON` builds first. For the
/// answers on a hot path only (a verification query's JSON was a fifth of its cost); every conformance is checked
/// against `JSONEncoder` by a test, since the compiler cannot tell a key written out of order.
public protocol SortedJSONWritable: Encodable {
    func write(to w: inout SortedJSONWriter)
}

/// Writes JSON as `SortedJSON` would. Fields MUST be written in byte order of their keys (ASCII).
public struct SortedJSONWriter {
    public private(set) var bytes: [UInt8] = []
    @usableFromInline var first = true

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    /// `{ … }`: `body` writes the fields.
    public mutating func object(_ body: (inout SortedJSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        let outer = first
        first = true
        body(&self)
        first = outer
        bytes.append(UInt8(ascii: "}"))
    }

    /// `[ … ]` of `items`, each written by itself. Inlinable, like the generic fields below, so that a caller's
    /// module specialises it for its type: unspecialised, iterating the array and its optionals through type
    /// metadata cost more than writing the items (a fifth of an encumbrance answer's JSON).
    @inlinable public mutating func array<T: SortedJSONWritable>(_ items: [T]) {
        append(UInt8(ascii: "["))
        for i in items.indices {
            if i > 0 { append(UInt8(ascii: ",")) }
            items[i].write(to: &self)
        }
        append(UInt8(ascii: "]"))
    }

    @usableFromInline mutating func append(_ b: UInt8) { bytes.append(b) }

    @usableFromInline mutating func key(_ k: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    public mutating func field(_ k: StaticString, _ v: String) { key(k); SortedJSON.writeString(v, to: &bytes) }
    public mutating func field(_ k: StaticString, _ v: String?) { if let v { field(k, v) } }
    public mutating func field(_ k: StaticString, _ v: Bool) { key(k); bytes.append(contentsOf: (v ? "true" : "false").utf8) }
    public mutating func field(_ k: StaticString, _ v: UInt64) { key(k); SortedJSON.writeDecimal(v, to: &bytes) }
    public mutating func field(_ k: StaticString, _ v: UInt32?) { if let v { field(k, UInt64(v)) } }
    public mutating func field(_ k: StaticString, _ v: Int64) {
        key(k)
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        SortedJSON.writeDecimal(v.magnitude, to: &bytes)
    }
    @inlinable public mutating func field<T: SortedJSONWritable>(_ k: StaticString, _ v: T?) { if let v { key(k); v.write(to: &self) } }
    @inlinable public mutating func field<T: SortedJSONWritable>(_ k: StaticString, _ v: [T]) { key(k); array(v) }
}
