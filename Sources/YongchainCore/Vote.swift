import YongchainCrypto

public enum VoteType: UInt8, Sendable, Hashable, CaseIterable {
    case prevote = 1
    case precommit = 2

    public var name: String { self == .prevote ? "prevote" : "precommit" }
}

/// A validator's signed prevote or precommit. `blockHash == nil` is a vote for nil.
public struct Vote: Sendable, Hashable, CanonicalCodable {
    public let type: VoteType
    public let height: UInt64
    public let round: Int32
    public let blockHash: Hash?
    public let validator: Int
    public var signature: [UInt8]

    public init(type: VoteType, height: UInt64, round: Int32, blockHash: Hash?, validator: Int, signature: [UInt8] = []) {
        self.type = type
        self.height = height
        self.round = round
        self.blockHash = blockHash
        self.validator = validator
        self.signature = signature
    }

    /// The signed part: everything but the signature.
    public func signingBytes(chainID: String) -> [UInt8] {
        var w = CanonicalWriter(capacity: 64)
        w.u8(type.rawValue)
        w.u64(height)
        w.u32(UInt32(bitPattern: round))
        w.optionalHash(blockHash)
        w.u16(UInt16(validator))
        return Domain.vote.signingBytes(chainID: chainID, message: w.bytes)
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(type.rawValue)
        w.u64(height)
        w.u32(UInt32(bitPattern: round))
        w.optionalHash(blockHash)
        w.u16(UInt16(validator))
        w.bytes(signature)
    }

    public init(from r: inout CanonicalReader) throws {
        guard let t = VoteType(rawValue: try r.u8("vote.type")) else { throw EncodingError.invalid("vote.type", "unknown vote type") }
        type = t
        height = try r.u64("vote.height")
        round = Int32(bitPattern: try r.u32("vote.round"))
        blockHash = try r.optionalHash("vote.blockHash")
        validator = Int(try r.u16("vote.validator"))
        signature = try r.bytes("vote.signature", max: 256)
    }
}

/// A proposer's signed proposal of a block for (height, round); `validRound` is -1 or the round in which the
/// proposer saw the block get a polka (Tendermint's vr).
public struct Proposal: Sendable, Hashable, CanonicalCodable {
    public let height: UInt64
    public let round: Int32
    public let blockHash: Hash
    public let validRound: Int32
    public let proposer: Int
    public var signature: [UInt8]

    public init(height: UInt64, round: Int32, blockHash: Hash, validRound: Int32, proposer: Int, signature: [UInt8] = []) {
        self.height = height
        self.round = round
        self.blockHash = blockHash
        self.validRound = validRound
        self.proposer = proposer
        self.signature = signature
    }

    public func signingBytes(chainID: String) -> [UInt8] {
        var w = CanonicalWriter(capacity: 64)
        w.u64(height)
        w.u32(UInt32(bitPattern: round))
        w.hash(blockHash)
        w.u32(UInt32(bitPattern: validRound))
        w.u16(UInt16(proposer))
        return Domain.proposal.signingBytes(chainID: chainID, message: w.bytes)
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u64(height)
        w.u32(UInt32(bitPattern: round))
        w.hash(blockHash)
        w.u32(UInt32(bitPattern: validRound))
        w.u16(UInt16(proposer))
        w.bytes(signature)
    }

    public init(from r: inout CanonicalReader) throws {
        height = try r.u64("proposal.height")
        round = Int32(bitPattern: try r.u32("proposal.round"))
        blockHash = try r.hash("proposal.blockHash")
        validRound = Int32(bitPattern: try r.u32("proposal.validRound"))
        proposer = Int(try r.u16("proposal.proposer"))
        signature = try r.bytes("proposal.signature", max: 256)
    }
}
