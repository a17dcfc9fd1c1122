import YongchainCrypto

public struct Validator: Sendable, Equatable {
    public let name: String
    public let publicKey: PublicKey
    public let power: UInt64

    public init(name: String, publicKey: PublicKey, power: UInt64) {
        self.name = name
        self.publicKey = publicKey
        self.power = power
    }
}

/// The voting members, in genesis order; a validator is named by its index here.
public struct ValidatorSet: Sendable, Equatable {
    public let validators: [Validator]
    public let totalPower: UInt64
    /// Proposer schedule of one full cycle of weighted round robin (see `proposer(height:round:)`).
    private let schedule: [Int]

    public init(_ validators: [Validator]) {
        precondition(!validators.isEmpty && validators.allSatisfy { $0.power > 0 }, "a validator set needs validators with power")
        self.validators = validators
        self.totalPower = validators.reduce(0) { $0 + $1.power }
        self.schedule = ValidatorSet.makeSchedule(validators.map(\.power))
    }

    public var count: Int { validators.count }
    public subscript(i: Int) -> Validator { validators[i] }

    /// Strictly more than two thirds of the power: 2f+1 when n = 3f+1 equal validators.
    public var quorum: UInt64 { totalPower * 2 / 3 + 1 }
    /// More than one third: at least one honest validator among them (f+1).
    public var oneThirdPlus: UInt64 { totalPower / 3 + 1 }

    public func index(of key: PublicKey) -> Int? { validators.firstIndex { $0.publicKey == key } }

    /// The proposer of (height, round): weighted round robin, a pure function so every node agrees.
    public func proposer(height: UInt64, round: Int32) -> Int {
        let k = (height &+ UInt64(max(round, 0))) % UInt64(schedule.count)
        return schedule[Int(k)]
    }

    /// The chain's hash of the set's canonical encoding (below): what headers carry as `validatorsHash`.
    public func hash(_ suite: HashSuite) -> Hash { suite.digest(canonicalBytes) }

    /// One cycle of Tendermint's proposer-priority algorithm: each step every validator gains its power, the one
    /// with the highest priority (lowest index on ties) proposes and pays the total. Over a cycle each validator
    /// proposes in proportion to its power, spread out rather than in runs. Powers are scaled down so a cycle has
    /// at most 10,000 entries.
    static func makeSchedule(_ powers: [UInt64]) -> [Int] {
        var scaled = powers
        let total = powers.reduce(0, +)
        if total > 10_000 {
            scaled = powers.map { max(1, $0 * 10_000 / total) }
        }
        let cycle = Int(scaled.reduce(0, +))
        var priority = [Int64](repeating: 0, count: scaled.count)
        var out: [Int] = []
        out.reserveCapacity(cycle)
        for _ in 0..<cycle {
            for i in priority.indices { priority[i] += Int64(scaled[i]) }
            var best = 0
            for i in priority.indices where priority[i] > priority[best] { best = i }
            priority[best] -= Int64(cycle)
            out.append(best)
        }
        return out
    }
}

extension ValidatorSet: CanonicalCodable {
    /// Most validators a decoded set may hold (genesis allows at most 1,000 organisations).
    public static let maxValidators = 1_000

    /// The validators in order: name, public key, power each. `hash` is the chain's hash of exactly these bytes.
    public func encode(to w: inout CanonicalWriter) {
        w.list(validators) { w, v in w.string(v.name); w.publicKey(v.publicKey); w.u64(v.power) }
    }

    /// Decodes a set from outside (a proof bundle): 1 to 1,000 validators, each power 1 to `Genesis.maxPower`, so
    /// the total and the quorum arithmetic cannot overflow.
    public init(from r: inout CanonicalReader) throws {
        let vs = try r.list("validators", max: ValidatorSet.maxValidators) { r in
            let name = try r.string("validator.name", max: 128)
            let key = try r.publicKey("validator.publicKey")
            let power = try r.u64("validator.power")
            guard (1...Genesis.maxPower).contains(power) else { throw EncodingError.invalid("validator.power", "\(power) is not 1 to \(Genesis.maxPower)") }
            return Validator(name: name, publicKey: key, power: power)
        }
        guard !vs.isEmpty else { throw EncodingError.invalid("validators", "an empty set") }
        self.init(vs)
    }
}
