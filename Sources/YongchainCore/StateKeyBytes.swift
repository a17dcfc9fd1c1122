extension Array where Element == UInt8 {
    /// `prefix` then `name`'s UTF-8, in one array of the exact size: a state key such as `property/<unit>` without
    /// the interpolated string's own buffer and the copy of it (`Array("property/\(unit)".utf8)`).
    public init(key prefix: StaticString, _ name: String) {
        var name = name
        self = name.withUTF8 { tail in
            [UInt8](unsafeUninitializedCapacity: prefix.utf8CodeUnitCount + tail.count) { out, count in
                let head = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
                count = out.initialize(fromContentsOf: head)
                count = out[count...].initialize(fromContentsOf: tail)
            }
        }
    }
}
