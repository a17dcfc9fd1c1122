import YongchainCore

/// A fixed list of values (docs/greylist.md, "Categories and reasons"): `u8` tag 1, 2, … in declaration order on
/// chain, the case's name in JSON. A new value is a software change.
public protocol GreylistTag: RawRepresentable<String>, CaseIterable, Codable, Sendable, Equatable where AllCases == [Self] {}

extension GreylistTag {
    var tag: UInt8 { UInt8(Self.allCases.firstIndex(of: self)! + 1) }

    /// The value of tag `t`; MALFORMED_BODY (an encoding with no meaning) for any other byte.
    static func read(_ r: inout CanonicalReader, _ field: String) throws -> Self {
        let t = try r.u8(field)
        guard t >= 1, Int(t) <= allCases.count else {
            throw EncodingError.invalid(r.path(field), "1 to \(allCases.count) (\(allCases.map(\.rawValue).joined(separator: ", "))), not \(t)")
        }
        return allCases[Int(t) - 1]
    }
}

public enum GreylistCategory: String, GreylistTag {
    case fraudAccountOpening, accountTrading, falseIdentity, moneyLaundering, shellEnterprise
}

/// Why a review rejects a report.
public enum GreylistRejection: String, GreylistTag {
    case insufficientEvidence, notSuspicious, wrongSubject, duplicate
}

/// Why an entry is withdrawn; `appealUpheld` only through `greylist.decideAppeal`.
public enum GreylistWithdrawal: String, GreylistTag {
    case reporterRetracted, supervisorDecision, error, appealUpheld
}

/// Why a bank checks.
public enum GreylistPurpose: String, GreylistTag {
    case accountOpening, customerReview
}
