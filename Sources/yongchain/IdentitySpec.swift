import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto

/// How the CLI takes an owner, a mortgagor or a debtor. A person is `residentId:NUMBER:SALT`: the identity number
/// (its GB 11643 check character checked here) and the salt from the owner's title certificate, from which the CLI
/// computes the commitment with the chain's hash — neither number nor salt is ever sent. An organisation is
/// `creditCode:CODE`, in clear (no personal information).
enum IdentitySpec {
    static let person = "residentId:NUMBER:SALT"
    static let forms = "\(person) or creditCode:CODE"

    /// The identity `spec` names, for `--option`.
    static func identity(_ spec: String, option: String, suite: () throws -> HashSuite) throws -> ChainIdentity {
        let p = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch (p.first, p.count) {
        case ("residentId", 3):
            let opening = try usage(option) { try PersonOpening(number: p[1], saltHex: p[2]) }
            return .person(opening, suite: try suite())
        case ("residentId", 2):
            throw UsageError("--\(option): a person is \(person): the salt is on the owner's title certificate (the chain holds only the commitment of identity and salt)")
        case ("creditCode", 2):
            return .organisation(try usage(option) { try CreditCode(p[1], field: "creditCode") })
        default:
            throw UsageError("--\(option): \(forms), got '\(spec)'")
        }
    }

    /// The JSON fields of the identity `spec` names: `{"commitment": …}` or `{"creditCode": …}`.
    static func json(_ spec: String, option: String, suite: () throws -> HashSuite) throws -> [String: Any] {
        switch try identity(spec, option: option, suite: suite) {
        case .person(let c): return ["commitment": c.hex]
        case .organisation(let code): return ["creditCode": code.value]
        }
    }

    /// `residentId:NUMBER:KEY` (the registry draws the salt) or `creditCode:CODE:KEY` → the owner's JSON, and for a
    /// person the opening their title certificate carries.
    static func newOwner(_ spec: String, suite: () throws -> HashSuite) throws -> (json: [String: Any], opening: PersonOpening?) {
        let p = spec.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard p.count == 3 else { throw UsageError("--owner: residentId:NUMBER:KEY or creditCode:CODE:KEY (KEY: a public key or a key file), got '\(spec)'") }
        let key = try AppCLI.publicKey(p[2])
        switch p[0] {
        case "residentId":
            let id = try usage("owner") { try ResidentID(p[1], field: "idNumber") }
            let opening = try PersonOpening.draw(for: id)
            return (["commitment": opening.commitment(try suite()).hex, "publicKey": key], opening)
        case "creditCode":
            return (["creditCode": try usage("owner") { try CreditCode(p[1], field: "creditCode") }.value, "publicKey": key], nil)
        default:
            throw UsageError("--owner: residentId:NUMBER:KEY or creditCode:CODE:KEY, got '\(spec)'")
        }
    }

    private static func usage<T>(_ option: String, _ make: () throws -> T) throws -> T {
        do { return try make() } catch let e as ValidationError { throw UsageError("--\(option) \(e.field): \(e.message)") }
    }
}
