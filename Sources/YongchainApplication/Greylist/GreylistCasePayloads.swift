import Foundation
import YongchainCore
import YongchainCrypto

/// `greylist.report`: a bank reports a subject, with a category and the hash of its evidence (which stays at the
/// bank). JSON `{"subject", "category", "evidenceHash"}`; canonical `subject ‖ u8 category ‖ hash evidenceHash`.
public struct ReportSubject: Payload, Equatable {
    public static let type = "greylist.report"
    public var subject: GreylistSubject
    public var category: GreylistCategory
    public var evidenceHash: Hash

    public init(subject: GreylistSubject, category: GreylistCategory, evidenceHash: Hash) {
        self.subject = subject
        self.category = category
        self.evidenceHash = evidenceHash
    }

    public func validate() throws { try subject.validate(field: "subject") }
    public func encode(to w: inout CanonicalWriter) {
        w.item(subject)
        w.u8(category.tag)
        w.hash(evidenceHash)
    }
    public init(from r: inout CanonicalReader) throws {
        subject = try r.item(at: "subject")
        category = try GreylistCategory.read(&r, "category")
        evidenceHash = try r.hash("evidenceHash")
    }
}

/// `greylist.review`: the supervisor publishes a pending report (with the category it decides) or rejects it.
/// JSON `{"report", "decision": "publish", "category", "decisionHash"}` or `{"report", "decision": "reject",
/// "reason", "decisionHash"}`; canonical `hash report ‖ u8 decision (1 publish, 2 reject) ‖ u8 category or reason ‖
/// hash decisionHash`.
public struct ReviewReport: Payload, Equatable {
    public static let type = "greylist.review"
    public enum Decision: Sendable, Equatable {
        case publish(GreylistCategory)
        case reject(GreylistRejection)
    }
    public var report: Hash
    public var decision: Decision
    public var decisionHash: Hash

    public init(report: Hash, decision: Decision, decisionHash: Hash) {
        self.report = report
        self.decision = decision
        self.decisionHash = decisionHash
    }

    public func validate() throws {}
    public func encode(to w: inout CanonicalWriter) {
        w.hash(report)
        switch decision {
        case .publish(let c): w.u8(1); w.u8(c.tag)
        case .reject(let r): w.u8(2); w.u8(r.tag)
        }
        w.hash(decisionHash)
    }
    public init(from r: inout CanonicalReader) throws {
        report = try r.hash("report")
        switch try r.u8("decision") {
        case 1: decision = .publish(try GreylistCategory.read(&r, "category"))
        case 2: decision = .reject(try GreylistRejection.read(&r, "reason"))
        case let d: throw EncodingError.invalid(r.path("decision"), "1 (publish) or 2 (reject), not \(d)")
        }
        decisionHash = try r.hash("decisionHash")
    }

    enum CodingKeys: String, CodingKey { case report, decision, category, reason, decisionHash }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        report = try c.decode(Hash.self, forKey: .report)
        switch try c.decode(String.self, forKey: .decision) {
        case "publish":
            guard !c.contains(.reason) else { throw ValidationError(field: "reason", message: "only with \"decision\": \"reject\"") }
            decision = .publish(try c.decode(GreylistCategory.self, forKey: .category))
        case "reject":
            guard !c.contains(.category) else { throw ValidationError(field: "category", message: "only with \"decision\": \"publish\"") }
            decision = .reject(try c.decode(GreylistRejection.self, forKey: .reason))
        case let d:
            throw ValidationError(field: "decision", message: "publish or reject, not '\(d)'")
        }
        decisionHash = try c.decode(Hash.self, forKey: .decisionHash)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report, forKey: .report)
        switch decision {
        case .publish(let cat):
            try c.encode("publish", forKey: .decision)
            try c.encode(cat, forKey: .category)
        case .reject(let reason):
            try c.encode("reject", forKey: .decision)
            try c.encode(reason, forKey: .reason)
        }
        try c.encode(decisionHash, forKey: .decisionHash)
    }
}

/// `greylist.renew`: the supervisor extends a listed entry by the entry lifetime. JSON `{"subject"}`.
public struct RenewEntry: Payload, Equatable {
    public static let type = "greylist.renew"
    public var subject: GreylistSubject

    public init(subject: GreylistSubject) { self.subject = subject }

    public func validate() throws { try subject.validate(field: "subject") }
    public func encode(to w: inout CanonicalWriter) { w.item(subject) }
    public init(from r: inout CanonicalReader) throws { subject = try r.item(at: "subject") }
}

/// `greylist.withdraw`: the supervisor deletes an entry, expired or not. JSON `{"subject", "reason",
/// "decisionHash"}`; canonical `subject ‖ u8 reason ‖ hash decisionHash`. `appealUpheld` is `decideAppeal`'s.
public struct WithdrawEntry: Payload, Equatable {
    public static let type = "greylist.withdraw"
    public var subject: GreylistSubject
    public var reason: GreylistWithdrawal
    public var decisionHash: Hash

    public init(subject: GreylistSubject, reason: GreylistWithdrawal, decisionHash: Hash) {
        self.subject = subject
        self.reason = reason
        self.decisionHash = decisionHash
    }

    public func validate() throws {
        try subject.validate(field: "subject")
        guard reason != .appealUpheld else {
            throw ValidationError(field: "reason", message: "appealUpheld withdraws only through greylist.decideAppeal")
        }
    }
    public func encode(to w: inout CanonicalWriter) {
        w.item(subject)
        w.u8(reason.tag)
        w.hash(decisionHash)
    }
    public init(from r: inout CanonicalReader) throws {
        subject = try r.item(at: "subject")
        reason = try GreylistWithdrawal.read(&r, "reason")
        decisionHash = try r.hash("decisionHash")
    }
}

/// `greylist.appeal`: a bank that has verified the subject's identity files their appeal, with the hash of their
/// submission. JSON `{"subject", "evidenceHash"}`; canonical `subject ‖ hash evidenceHash`.
public struct AppealListing: Payload, Equatable {
    public static let type = "greylist.appeal"
    public var subject: GreylistSubject
    public var evidenceHash: Hash

    public init(subject: GreylistSubject, evidenceHash: Hash) {
        self.subject = subject
        self.evidenceHash = evidenceHash
    }

    public func validate() throws { try subject.validate(field: "subject") }
    public func encode(to w: inout CanonicalWriter) {
        w.item(subject)
        w.hash(evidenceHash)
    }
    public init(from r: inout CanonicalReader) throws {
        subject = try r.item(at: "subject")
        evidenceHash = try r.hash("evidenceHash")
    }
}

/// `greylist.decideAppeal`: the supervisor's signed decision; upheld withdraws the entry. JSON `{"appeal",
/// "upheld", "decisionHash"}`; canonical `hash appeal ‖ u8 upheld ‖ hash decisionHash`.
public struct DecideAppeal: Payload, Equatable {
    public static let type = "greylist.decideAppeal"
    public var appeal: Hash
    public var upheld: Bool
    public var decisionHash: Hash

    public init(appeal: Hash, upheld: Bool, decisionHash: Hash) {
        self.appeal = appeal
        self.upheld = upheld
        self.decisionHash = decisionHash
    }

    public func validate() throws {}
    public func encode(to w: inout CanonicalWriter) {
        w.hash(appeal)
        w.bool(upheld)
        w.hash(decisionHash)
    }
    public init(from r: inout CanonicalReader) throws {
        appeal = try r.hash("appeal")
        upheld = try r.bool("upheld")
        decisionHash = try r.hash("decisionHash")
    }
}
