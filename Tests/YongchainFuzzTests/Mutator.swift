import Foundation
import YongchainTestSupport

/// Values at the edges of every integer type a node reads, and strings that break naive parsers. Every
/// mutation draws from these often: they are where conversions trap and ranges go unchecked.
enum Edge {
    /// Integers, as the text a request carries (query parameters, path components, headers, JSON numbers).
    static let integerTexts = [
        "0", "-1", "1", "-0", "01", "00000000000000000000001",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "-18446744073709551615",
        "99999999999999999999999999999999999999999999", "-99999999999999999999999999999999",
        "+5", "+0", "1e3", "1E3", "1.5", "-1.5", "0x10", "1_000", " 1", "1 ", "NaN", "Infinity",
    ]

    /// The same edges as binary integers, for canonical encodings (read big-endian by `CanonicalReader`).
    static let integers: [UInt64] = [
        0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE,
    ]

    /// Strings: empty, long, control and non-UTF-8 bytes (as raw bytes; the request renderer percent-encodes them
    /// where they go into a URL), Unicode, and text that means something elsewhere.
    static let strings: [[UInt8]] = [
        [], [0], [0xFF, 0xFE], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        Array("%00".utf8), Array("%".utf8), Array("%2".utf8), Array("%FF".utf8), Array("%zz".utf8),
        Array("贷前审查".utf8), Array("😀".utf8), Array("\u{202E}\u{FEFF}".utf8), Array("e\u{301}".utf8),
        Array("../../etc/passwd".utf8), Array("latest".utf8), Array("null".utf8), Array("true".utf8),
        Array("[]".utf8), Array("{}".utf8), Array("\"".utf8), Array("\\".utf8), Array("'".utf8),
        Array("\r\n".utf8), Array(" ".utf8), Array("&".utf8), Array("=".utf8), Array("?".utf8), Array("/".utf8),
        Array(repeating: UInt8(ascii: "a"), count: 65), Array(repeating: UInt8(ascii: "7"), count: 300),
        Array(repeating: UInt8(ascii: "x"), count: 5000), Array(repeating: UInt8(ascii: "0"), count: 64),
        Array("ed25519:".utf8) + Array(repeating: UInt8(ascii: "0"), count: 64),
    ]

    static func integerText(_ rng: inout SplitMix64) -> String { integerTexts[rng.int(0...integerTexts.count - 1)] }
    static func string(_ rng: inout SplitMix64) -> [UInt8] { strings[rng.int(0...strings.count - 1)] }
    static func integer(_ rng: inout SplitMix64) -> UInt64 { integers[rng.int(0...integers.count - 1)] }
}

extension SplitMix64 {
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }
}

/// Byte-level mutations, as libFuzzer's default ones: flips, random bytes, inserts, deletes, duplicated and
/// spliced ranges, dictionary tokens, and integers overwritten in place with edge values (big-endian, every width).
enum ByteMutator {
    /// Applies 1 to `maxSteps` mutations. `others` are inputs of the same kind to splice from.
    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64, others: [[UInt8]] = [], maxSteps: Int = 4, maxLength: Int = 1 << 20) -> [UInt8] {
        var b = input
        for _ in 0..<rng.int(1...maxSteps) {
            step(&b, &rng, others)
            if b.count > maxLength { b.removeLast(b.count - maxLength) }
        }
        return b
    }

    static func step(_ b: inout [UInt8], _ rng: inout SplitMix64, _ others: [[UInt8]]) {
        func position(_ inclusive: Bool = false) -> Int { b.isEmpty ? 0 : rng.int(0...(inclusive ? b.count : b.count - 1)) }
        switch rng.int(0...10) {
        case 0 where !b.isEmpty:  // flip a bit
            let i = position()
            b[i] ^= UInt8(1) << UInt8(rng.int(0...7))
        case 1 where !b.isEmpty:  // a random byte
            b[position()] = UInt8(truncatingIfNeeded: rng.next())
        case 2:  // insert random bytes
            let n = rng.int(1...8)
            b.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: position(true))
        case 3 where !b.isEmpty:  // delete a range
            let i = position()
            b.removeSubrange(i..<min(b.count, i + rng.int(1...16)))
        case 4 where !b.isEmpty:  // duplicate a range
            let i = position()
            let r = Array(b[i..<min(b.count, i + rng.int(1...32))])
            b.insert(contentsOf: r, at: position(true))
        case 5 where !others.isEmpty:  // splice: keep a prefix, continue with another input's tail
            let o = rng.pick(others)
            guard !o.isEmpty else { return }
            let cut = position(true), from = rng.int(0...o.count - 1)
            b = Array(b[..<cut]) + Array(o[from...])
        case 6 where !b.isEmpty, 7 where !b.isEmpty:  // an edge integer over the bytes at a random offset, in a random width
            let width = rng.pick([1, 2, 4, 8])
            let v = Edge.integer(&rng)
            let at = position()
            for k in 0..<width where at + k < b.count {
                b[at + k] = UInt8(truncatingIfNeeded: v >> UInt64(8 * (width - 1 - k)))
            }
        case 8:  // insert a dictionary token
            let t = rng.chance(0.5) ? Array(Edge.integerText(&rng).utf8) : Edge.string(&rng)
            b.insert(contentsOf: t, at: position(true))
        case 9 where !b.isEmpty:  // add or subtract a little from one byte (lengths and counts off by one)
            let i = position()
            b[i] = b[i] &+ UInt8(truncatingIfNeeded: rng.int(-4...4))
        default:  // truncate
            if !b.isEmpty { b.removeLast(rng.int(1...min(b.count, 16))) }
        }
    }
}

/// Token-aware mutation of JSON text: a number or string literal is replaced by an edge value, a member is
/// dropped or duplicated, a value changes type. The rest of the document is kept, so most inputs still parse and
/// reach the validation behind the decoder.
enum JSONMutator {
    static func mutate(_ json: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        let tokens = literals(json)
        guard !tokens.isEmpty else { return ByteMutator.mutate(json, &rng) }
        var out = json
        // Replace from the end so the earlier ranges stay valid.
        let chosen = Set((0..<rng.int(1...2)).map { _ in rng.int(0...tokens.count - 1) })
        for i in chosen.sorted(by: >) {
            out.replaceSubrange(tokens[i], with: replacement(&rng))
        }
        return out
    }

    static func replacement(_ rng: inout SplitMix64) -> [UInt8] {
        switch rng.int(0...9) {
        case 0...3: return Array(Edge.integerText(&rng).utf8)
        case 4: return Array("\"\(Edge.integerText(&rng))\"".utf8)
        case 5...7: return [UInt8(ascii: "\"")] + escaped(Edge.string(&rng)) + [UInt8(ascii: "\"")]
        case 8: return Array(rng.pick(["null", "true", "[]", "{}", "[1,2]", "{\"a\":1}", "-", "1e999", "\"\\ud800\""]).utf8)
        default: return Edge.string(&rng)  // raw, probably breaking the document
        }
    }

    /// A string's bytes inside JSON quotes: quotes and backslashes escaped, other bytes (even invalid UTF-8) raw.
    static func escaped(_ s: [UInt8]) -> [UInt8] {
        s.flatMap { b -> [UInt8] in b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") ? [UInt8(ascii: "\\"), b] : [b] }
    }

    /// Byte ranges of the number and string literals in `json` (a light scan, not a parser).
    static func literals(_ json: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < json.count {
            let c = json[i]
            if c == UInt8(ascii: "\"") {
                var j = i + 1
                while j < json.count && json[j] != UInt8(ascii: "\"") { j += json[j] == UInt8(ascii: "\\") ? 2 : 1 }
                out.append(i..<min(j + 1, json.count))
                i = j + 1
            } else if c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) {
                var j = i + 1
                while j < json.count, "0123456789.eE+-".utf8.contains(json[j]) { j += 1 }
                out.append(i..<j)
                i = j
            } else {
                i += 1
            }
        }
        return out
    }
}
