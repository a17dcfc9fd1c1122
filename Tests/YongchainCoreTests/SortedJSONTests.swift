import Foundation
import Testing
@testable import YongchainCore
import YongchainTestSupport

/// SortedJSON must write exactly what JSONEncoder(.sortedKeys, .withoutEscapingSlashes) writes: API answers
/// did not change bytes when the encoder was swapped, and clients that hash or sign them see the same.
@Suite struct SortedJSONTests {
    static func foundation<T: Encodable>(_ v: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(v))
    }

    /// A random JSON-shaped value: objects with awkward keys, strings with escapes and non-ASCII, integers at
    /// their limits, nulls, nested arrays.
    indirect enum Tree: Encodable {
        case object([String: Tree])
        case array([Tree])
        case string(String)
        case int(Int)
        case uint64(UInt64)
        case int32(Int32)
        case bool(Bool)
        case null(String?)

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .object(let d): try c.encode(d)
            case .array(let a): try c.encode(a)
            case .string(let s): try c.encode(s)
            case .int(let n): try c.encode(n)
            case .uint64(let n): try c.encode(n)
            case .int32(let n): try c.encode(n)
            case .bool(let b): try c.encode(b)
            case .null(let s): try c.encode(s)
            }
        }
    }

    static let alphabet: [Character] = ["a", "B", "z", "0", "9", "1", "_", "/", "\"", "\\", "\u{0}", "\u{8}", "\t", "\n",
                                        "\u{c}", "\r", "\u{1b}", "\u{1f}", " ", "\u{7f}", "é", "\u{2028}", "中", "😀"]

    static func string(_ rng: inout SplitMix64) -> String {
        String((0..<Int.random(in: 0...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    static func tree(_ rng: inout SplitMix64, depth: Int) -> Tree {
        switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &rng) {
        case 0: return .string(string(&rng))
        case 1: return .int([Int.min, Int.max, 0, -1, 9, 10].randomElement(using: &rng)! &+ Int.random(in: -3...3, using: &rng))
        case 2: return .uint64([UInt64.max, 0, 99, 100].randomElement(using: &rng)!)
        case 3: return .int32(Int32.random(in: .min ... .max, using: &rng))
        case 4: return .bool(Bool.random(using: &rng))
        case 5: return .null(nil)
        case 6: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in tree(&rng, depth: depth + 1) })
        default:
            var d: [String: Tree] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &rng) { d[string(&rng)] = tree(&rng, depth: depth + 1) }
            return .object(d)
        }
    }

    @Test func randomValuesMatchJSONEncoderByteForByte() throws {
        var rng = SplitMix64(seed: 0x5eed)
        for i in 0..<2_000 {
            let t = Self.tree(&rng, depth: 0)
            let ours = try SortedJSON.encode(t)
            let theirs = try Self.foundation(t)
            #expect(ours == theirs, "case \(i): \(String(decoding: ours, as: UTF8.self)) vs \(String(decoding: theirs, as: UTF8.self))")
            if ours != theirs { return }
        }
    }

    /// Strings are scanned eight bytes at a time: each byte that needs an escape, at every place in a long run and
    /// beside bytes above ASCII, is still escaped as JSONEncoder escapes it.
    @Test func everyEscapeInALongRunMatchesJSONEncoder() throws {
        for special in ["\"", "\\", "\u{0}", "\u{1f}", "\n", "é", "\u{7f}", "/"] {
            for at in 0..<41 {
                var s = String(repeating: "a", count: 40)
                s.insert(contentsOf: special, at: s.index(s.startIndex, offsetBy: at))
                s += "\u{80}\u{ff}"
                #expect(try SortedJSON.encode([s]) == Self.foundation([s]), "\(special) at \(at)")
            }
        }
    }

    struct Answer: Encodable {
        struct Item: Encodable {
            let id: String
            let amount: Int64
            let note: String?
            let flags: [Bool]
        }
        let height: UInt64
        let blockHash: String
        let result: [Item]
        let seized: Bool
        let page: String?
    }

    @Test func synthesizedStructsOmitNilOptionalsLikeJSONEncoder() throws {
        let a = Answer(height: 42, blockHash: "ab" + String(repeating: "0", count: 62),
                       result: [.init(id: "x/y", amount: -7, note: nil, flags: []), .init(id: "é", amount: .max, note: "n\"", flags: [true, false])],
                       seized: false, page: nil)
        #expect(try SortedJSON.encode(a) == Self.foundation(a))
        #expect(String(decoding: try SortedJSON.encode(a), as: UTF8.self).hasPrefix(#"{"blockHash":"ab0"#))
    }

    /// A key written twice keeps the last value, as JSONEncoder does.
    struct Twice: Encodable {
        enum K: String, CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(1, forKey: .b)
            try c.encode("first", forKey: .a)
            try c.encode("second", forKey: .a)
        }
    }

    /// Types JSONEncoder encodes in its own way are handed to it whole, wherever they sit.
    struct Special: Encodable {
        let name = "x"
        let ratio = 1.5
        let big = 1e20
        let data = Data([1, 2, 3])
        let when = Date(timeIntervalSince1970: 1)
        let link = URL(string: "https://example.org/a")!
    }

    struct UsesSuper: Encodable {
        enum K: String, CodingKey { case a }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(1, forKey: .a)
            var s = c.superEncoder().singleValueContainer()
            try s.encode("from super")
        }
    }

    /// Nested containers asked for twice under one key are one container in JSONEncoder.
    struct NestedTwice: Encodable {
        enum K: String, CodingKey { case inner, list }
        enum I: String, CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            var first = c.nestedContainer(keyedBy: I.self, forKey: .inner)
            try first.encode(1, forKey: .b)
            var second = c.nestedContainer(keyedBy: I.self, forKey: .inner)
            try second.encode(2, forKey: .a)
            var l1 = c.nestedUnkeyedContainer(forKey: .list)
            try l1.encode(1)
            var l2 = c.nestedUnkeyedContainer(forKey: .list)
            try l2.encode(2)
        }
    }

    /// An object with the given keys in the given order (a dictionary literal cannot hold keys equal as text).
    struct Keys: Encodable {
        struct K: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
        let pairs: [(String, Int)]
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            for (k, v) in pairs { try c.encode(v, forKey: K(stringValue: k)) }
        }
    }

    /// Keys equal as Unicode text but not as bytes (a combining accent) sort and merge as JSONEncoder does.
    @Test func nonASCIIKeysNestedContainersTwiceAndEmptyValuesMatch() throws {
        let accented = Keys(pairs: [("e\u{301}", 1), ("f", 2), ("\u{e9}", 3), ("z", 4), ("e", 5)])
        #expect(try SortedJSON.encode(accented) == Self.foundation(accented))
        #expect(try SortedJSON.encode(NestedTwice()) == Self.foundation(NestedTwice()))
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        #expect(throws: (any Error).self) { try SortedJSON.encode(Nothing()) }
        #expect(try SortedJSON.encode(["k": Nothing()]) == Self.foundation(["k": Nothing()]))
        #expect(try SortedJSON.encode([Int128.max]) == Self.foundation([Int128.max]))
    }

    @Test func duplicateKeysFloatsFoundationTypesAndSuperEncodersMatchToo() throws {
        #expect(try SortedJSON.encode(Twice()) == Self.foundation(Twice()))
        #expect(try SortedJSON.encode(Special()) == Self.foundation(Special()))
        #expect(try SortedJSON.encode([Special()]) == Self.foundation([Special()]))
        #expect(try SortedJSON.encode(UsesSuper()) == Self.foundation(UsesSuper()))
        #expect(try SortedJSON.encode(["k": [String: Int]()]) == Self.foundation(["k": [String: Int]()]))
        #expect(try SortedJSON.encode([[Int]]()) == Array("[]".utf8))
    }
}
