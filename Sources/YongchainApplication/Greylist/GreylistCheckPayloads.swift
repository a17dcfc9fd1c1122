import Foundation
import YongchainCore
import YongchainCrypto

/// `greylist.check`: a bank puts its check of an applicant on the record — one pseudonym per key version in
/// force. JSON `{"subjects": [subject, …], "purpose"}`; canonical `list(subject) ‖ u8 purpose`. The check id (the
/// transaction's hash) is what the bank then asks the answer for.
public struct CheckApplicant: Payload, Equatable {
    public static let type = "greylist.check"
    public var subjects: [GreylistSubject]
    public var purpose: GreylistPurpose

    public init(subjects: [GreylistSubject], purpose: GreylistPurpose) {
        self.subjects = subjects
        self.purpose = purpose
    }

    public func validate() throws {
        guard (1...GreylistLimits.maxKeyVersions).contains(subjects.count) else {
            throw ValidationError(field: "subjects", message: "one subject per key version in force: 1 or 2, not \(subjects.count)")
        }
        for (i, s) in subjects.enumerated() { try s.validate(field: "subjects[\(i)]") }
    }
    public func encode(to w: inout CanonicalWriter) {
        w.list(subjects) { $0.item($1) }
        w.u8(purpose.tag)
    }
    public init(from r: inout CanonicalReader) throws {
        subjects = try r.list("subjects", max: GreylistLimits.maxKeyVersions) { try $0.item() }
        purpose = try GreylistPurpose.read(&r, "purpose")
    }
}

/// `greylist.outcome`: the checking bank records whether it opened the account or stopped the opening. JSON
/// `{"check", "stopped"}`; canonical `hash check ‖ u8 stopped`.
public struct RecordCheckOutcome: Payload, Equatable {
    public static let type = "greylist.outcome"
    public var check: Hash
    public var stopped: Bool

    public init(check: Hash, stopped: Bool) {
        self.check = check
        self.stopped = stopped
    }

    public func validate() throws {}
    public func encode(to w: inout CanonicalWriter) {
        w.hash(check)
        w.bool(stopped)
    }
    public init(from r: inout CanonicalReader) throws {
        check = try r.hash("check")
        stopped = try r.bool("stopped")
    }
}

/// `greylist.sweep`: the supervisor deletes expired entries and check records past their lifetime, all or
/// nothing. JSON `{"entries": [subject…], "checks": [hash…]}`; canonical `list(subject) ‖ list(hash)`; 1 to 1,000
/// items in all, none twice.
public struct SweepGreylist: Payload, Equatable {
    public static let type = "greylist.sweep"
    public var entries: [GreylistSubject]
    public var checks: [Hash]

    public init(entries: [GreylistSubject], checks: [Hash]) {
        self.entries = entries
        self.checks = checks
    }

    public func validate() throws {
        let n = entries.count + checks.count
        guard (1...GreylistLimits.maxBatchItems).contains(n) else {
            throw ValidationError(field: "entries", message: "1 to \(GreylistLimits.maxBatchItems) entries and checks in all, not \(n)")
        }
        for (i, s) in entries.enumerated() { try s.validate(field: "entries[\(i)]") }
        try Greylist.noRepeats(entries, field: "entries")
        try Greylist.noRepeats(checks, field: "checks")
    }
    public func encode(to w: inout CanonicalWriter) {
        w.list(entries) { $0.item($1) }
        w.list(checks) { $0.hash($1) }
    }
    public init(from r: inout CanonicalReader) throws {
        entries = try r.list("entries", max: GreylistLimits.maxBatchItems) { try $0.item() }
        checks = try r.list("checks", max: GreylistLimits.maxBatchItems) { try $0.hash("") }
    }
}

/// `greylist.rekey`: the supervisor moves entries from an older key version's pseudonyms to the newest's. JSON
/// `{"moves": [{"from": subject, "to": subject}, …]}`; canonical `list(subject from ‖ subject to)`, 1 to 1,000.
public struct RekeyEntries: Payload, Equatable {
    public static let type = "greylist.rekey"
    public struct Move: Sendable, Equatable, Codable {
        public var from: GreylistSubject
        public var to: GreylistSubject
        public init(from: GreylistSubject, to: GreylistSubject) {
            self.from = from
            self.to = to
        }
    }
    public var moves: [Move]

    public init(moves: [Move]) { self.moves = moves }

    public func validate() throws {
        guard (1...GreylistLimits.maxBatchItems).contains(moves.count) else {
            throw ValidationError(field: "moves", message: "1 to \(GreylistLimits.maxBatchItems) moves, not \(moves.count)")
        }
        for (i, m) in moves.enumerated() {
            try m.from.validate(field: "moves[\(i)].from")
            try m.to.validate(field: "moves[\(i)].to")
        }
        try Greylist.noRepeats(moves.map(\.from), field: "moves", what: "from")
        try Greylist.noRepeats(moves.map(\.to), field: "moves", what: "to")
    }
    public func encode(to w: inout CanonicalWriter) {
        w.list(moves) { w, m in
            w.item(m.from)
            w.item(m.to)
        }
    }
    public init(from r: inout CanonicalReader) throws {
        moves = try r.list("moves", max: GreylistLimits.maxBatchItems) { r in
            Move(from: try r.item(at: "from"), to: try r.item(at: "to"))
        }
    }
}

/// `greylist.retireKey`: the supervisor takes an older key version out of force once nothing is left under it.
/// JSON `{"keyVersion"}`; canonical `u32 keyVersion`.
public struct RetireVRFKey: Payload, Equatable {
    public static let type = "greylist.retireKey"
    public var keyVersion: UInt32

    public init(keyVersion: UInt32) { self.keyVersion = keyVersion }

    public func validate() throws {
        guard keyVersion >= 1 else { throw ValidationError(field: "keyVersion", message: "key versions count from 1") }
    }
    public func encode(to w: inout CanonicalWriter) { w.u32(keyVersion) }
    public init(from r: inout CanonicalReader) throws { keyVersion = try r.u32("keyVersion") }
}

extension Greylist {
    /// INVALID_FIELD naming the second occurrence of a repeated item.
    static func noRepeats<T: Hashable>(_ items: [T], field: String, what: String? = nil) throws {
        var seen = Set<T>()
        for (i, x) in items.enumerated() where !seen.insert(x).inserted {
            throw ValidationError(field: "\(field)[\(i)]" + (what.map { ".\($0)" } ?? ""), message: "appears twice")
        }
    }
}
