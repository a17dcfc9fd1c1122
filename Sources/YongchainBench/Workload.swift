import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainNode

/// The load generator's transactions: realistic mortgage-registry traffic for a city of `units` units, signed and
/// JSON-encoded before the clock starts, in phases (a phase depends on the previous one being committed).
enum Workload {
    /// A pre-signed transaction with its hash and its JSON.
    struct Pending: Sendable {
        let tx: Transaction
        let hash: Hash
        let json: [UInt8]

        init(_ tx: Transaction, chain: Chain) throws {
            self.tx = tx
            hash = tx.hash(on: chain)
            json = try BenchError.context("encoding \(tx.type) transaction \(hash.short) as JSON") {
                Array(try JSONEncoder().encode(TransactionJSON(tx)))
            }
        }
    }

    /// The `i`th unit of the bench's city: its real-estate unit number.
    static func unitNumber(_ i: Int) -> String { String(format: "110101%06dGB%05dF%08d", i / 100_000, i % 100_000, i % 100_000_000) }

    /// `register`: one phase of property.register. `mortgageYear`: then mortgage.apply (the owner consenting),
    /// then mortgage.approve, each a phase.
    static func presign(_ workload: BenchOptions.Workload, units: Int, chain: Chain, registry: PrivateKey,
                        banks: [PrivateKey]) throws -> [[Pending]] {
        let cny = try Currency("CNY")
        let owners = try parallelMap(0..<units) { i in try owner(i, suite: registry.suite) }
        let registers = try parallelMap(0..<units) { i -> Pending in
            let (key, opening) = owners[i]
            let p = RegisterProperty(unitNumber: try unit(i), titleCertificateNumber: "BJ-2020-\(i)",
                                     owners: [PropertyOwner(id: .person(opening, suite: chain.hashSuite), publicKey: key.publicKey)],
                                     area: 8_950, use: "residential")
            return try Pending(p.transaction(key: registry, nonce: UInt64(i), chainID: chain.id), chain: chain)
        }
        guard workload == .mortgageYear else { return [registers] }
        let term = MortgageTerm(start: try .init("2020-01-01"), end: try .init("2040-01-01"))
        let applies = try parallelMap(0..<units) { i -> Pending in
            let (key, opening) = owners[i]
            let id = ChainIdentity.person(opening, suite: chain.hashSuite)
            let bank = banks[i % banks.count]
            let principal = try BenchError.context("the principal of unit \(i)'s mortgage") {
                try Money(minorUnits: 150_000_000 + Int64(i), currency: cny)
            }
            var app = MortgageApplication(unitNumber: try unit(i), mortgagee: bank.publicKey, mortgagors: [id],
                                          debtor: MortgageDebtor(person: opening.commitment(chain.hashSuite)), principal: principal,
                                          term: term, mortgageType: .general, contractHash: chain.hashSuite.digest(Array("contract-\(i)".utf8)))
            try BenchError.context("signing unit \(i)'s owner's consent") { try app.sign(for: id, with: key, chainID: chain.id) }
            return try Pending(app.transaction(key: bank, nonce: UInt64(i), chainID: chain.id), chain: chain)
        }
        let approves = try parallelMap(0..<units) { i -> Pending in
            try Pending(ApproveMortgage(applicationId: applies[i].hash).transaction(key: registry, nonce: UInt64(units + i), chainID: chain.id),
                        chain: chain)
        }
        return [registers, applies, approves]
    }

    static func unit(_ i: Int) throws -> UnitNumber {
        let text = unitNumber(i)
        return try BenchError.context("unit \(i)'s number \(text)") { try UnitNumber(text) }
    }

    /// Unit `i`'s owner: a key of `suite` (the registry's: an SM cluster's owners sign with SM2 too), Ed25519 from a
    /// fixed seed (so runs repeat; SM2 keys are fresh), and a resident identity number with a salt derived from `i`
    /// (a registry draws it at random; the bench needs the same transactions run after run).
    static func owner(_ i: Int, suite: SignatureSuite) throws -> (PrivateKey, PersonOpening) {
        let first = String(format: "1101051980%07d", i)
        guard let check = ResidentID.checkCharacter(for: first) else {
            throw BenchError("unit \(i)'s owner: no resident identity number starts \(first)")
        }
        let id = try BenchError.context("unit \(i)'s owner's identity number") { try ResidentID(first + String(check)) }
        let key = try BenchError.context("unit \(i)'s owner's key") {
            suite == .ed25519 ? try PrivateKey.fromSeed(Array(HashSuite.sha256.digest(Array("owner-\(i)".utf8)).bytes))
                : try PrivateKey.generate(suite: suite)
        }
        let salt = Array(HashSuite.sha256.digest(Array("owner-salt-\(i)".utf8)).bytes.prefix(PersonOpening.drawnSaltBytes))
        return (key, try BenchError.context("unit \(i)'s owner's salt") { try PersonOpening(id: id, salt: salt) })
    }
}
