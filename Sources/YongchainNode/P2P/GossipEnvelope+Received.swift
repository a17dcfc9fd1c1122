import Foundation
import YongchainCore
import YongchainCrypto

extension GossipEnvelope {
    /// What decoding an envelope against the proposals already received found.
    struct Decoding {
        /// The byte range in the body of each proposal's block that was decoded, by the message's index.
        var decoded: [Int: Range<Int>] = [:]
        /// Proposals whose block was taken from `ReceivedProposals`, not decoded.
        var alreadyHeld = 0
    }

    /// Decodes `body` as `init(canonical:hashSuite:)` does, except a proposal's block: when `received` keeps that
    /// same signed proposal and the body holds, where the block begins, exactly the bytes its block was decoded from,
    /// the kept block is taken and those bytes are skipped. The same bytes decode to the same block, so the envelope
    /// is the one a full decode gives; any other bytes are decoded. `found` says which blocks were decoded and where.
    init(canonical body: [UInt8], hashSuite: HashSuite, received: ReceivedProposals, found: inout Decoding) throws {
        var r = CanonicalReader(body, hashSuite: hashSuite)
        chainID = try r.string("gossip.chainID", max: 128)
        sender = try r.string("gossip.sender", max: 128)
        senderHeight = try r.u64("gossip.senderHeight")
        var index = 0
        var result = Decoding()
        messages = try r.list("gossip.messages", max: GossipEnvelope.maxMessages) { r in
            defer { index += 1 }
            let kind = try r.u8("gossip.kind")
            guard kind == 1 else { return try GossipMessage(kind: kind, from: &r) }
            let proposal: Proposal = try r.item()
            let start = r.offset
            if let kept = received.kept(proposal), Self.bytes(body, at: start, equal: kept.bytes) {
                try r.skip(kept.bytes.count, "gossip.block")
                result.alreadyHeld += 1
                return .proposal(proposal, kept.block)
            }
            let block: Block = try r.item()
            result.decoded[index] = start..<r.offset
            return .proposal(proposal, block)
        }
        try r.finish("GossipEnvelope")
        found = result
    }

    /// Whether `body` holds `bytes` at `offset`.
    static func bytes(_ body: [UInt8], at offset: Int, equal bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty, offset >= 0, bytes.count <= body.count - offset else { return false }
        return body.withUnsafeBytes { b in bytes.withUnsafeBytes { k in memcmp(b.baseAddress! + offset, k.baseAddress!, k.count) == 0 } }
    }
}
