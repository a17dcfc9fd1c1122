import YongchainCore
import YongchainCrypto

/// What nodes send each other over `POST /v1/gossip`, in the canonical binary encoding. Every consensus
/// message inside is signed by its validator and every transaction by its signer; the envelope itself is not
/// trusted for anything but the sender's claimed height (a hint for catch-up).
enum GossipMessage: CanonicalCodable {
    case proposal(Proposal, Block)
    case vote(Vote)
    case transactions([Transaction])

    /// How much of an envelope's budget this message takes: its transactions (at least 1).
    var weight: Int {
        switch self {
        case .proposal(_, let b): return 1 + b.transactions.count
        case .vote: return 1
        case .transactions(let txs): return max(1, txs.count)
        }
    }

    func encode(to w: inout CanonicalWriter) {
        switch self {
        case .proposal(let p, let b): w.u8(1); w.item(p); w.item(b)
        case .vote(let v): w.u8(2); w.item(v)
        case .transactions(let txs): w.u8(3); w.list(txs) { $0.item($1) }
        }
    }

    /// What identifies a consensus message waiting in a peer's queue: a re-send of one still waiting is not queued
    /// again (`Gossip.broadcast`). A proposal's block is the one its hash names, so the signed proposal identifies the
    /// whole message. Nil for transactions, which are not re-sent.
    enum QueueKey: Hashable {
        case proposal(Proposal)
        case vote(Vote)
    }

    var queueKey: QueueKey? {
        switch self {
        case .proposal(let p, _): return .proposal(p)
        case .vote(let v): return .vote(v)
        case .transactions: return nil
        }
    }

    init(from r: inout CanonicalReader) throws {
        try self.init(kind: try r.u8("gossip.kind"), from: &r)
    }

    /// The message after its kind byte (`GossipEnvelope+Received.swift` reads a proposal's parts itself).
    init(kind: UInt8, from r: inout CanonicalReader) throws {
        switch kind {
        case 1: self = .proposal(try r.item(), try r.item())
        case 2: self = .vote(try r.item())
        case 3: self = .transactions(try r.list("gossip.transactions", max: 100_000) { try $0.item() })
        default: throw EncodingError.invalid("gossip.kind", "unknown message kind")
        }
    }
}

struct GossipEnvelope: CanonicalCodable {
    static let maxMessages = 10_000
    let chainID: String
    let sender: String
    let senderHeight: UInt64
    let messages: [GossipMessage]

    func encode(to w: inout CanonicalWriter) {
        w.string(chainID)
        w.string(sender)
        w.u64(senderHeight)
        w.list(messages) { $0.item($1) }
    }

    init(chainID: String, sender: String, senderHeight: UInt64, messages: [GossipMessage]) {
        self.chainID = chainID
        self.sender = sender
        self.senderHeight = senderHeight
        self.messages = messages
    }

    init(from r: inout CanonicalReader) throws {
        chainID = try r.string("gossip.chainID", max: 128)
        sender = try r.string("gossip.sender", max: 128)
        senderHeight = try r.u64("gossip.senderHeight")
        messages = try r.list("gossip.messages", max: GossipEnvelope.maxMessages) { try $0.item() }
    }
}

/// A batch of committed blocks with their certificates, for catch-up (`GET /v1/sync/blocks`).
struct SyncBatch: CanonicalCodable {
    let entries: [(block: Block, certificate: CommitCertificate)]

    init(entries: [(block: Block, certificate: CommitCertificate)]) { self.entries = entries }

    func encode(to w: inout CanonicalWriter) {
        w.list(entries) { w, e in w.item(e.block); w.item(e.certificate) }
    }

    init(from r: inout CanonicalReader) throws {
        entries = try r.list("sync.entries", max: 1000) { r in (try r.item(), try r.item()) }
    }
}

/// Decoding `GET /v1/sync/blocks` answers outside the node (tools, benchmarks). Certificates are not checked here.
public enum SyncBlocks {
    /// `suite`: the chain's hash suite (`/v1/status`'s `hashSuite`).
    public static func decode(_ bytes: [UInt8], suite: HashSuite) throws -> [Block] {
        try SyncBatch(canonical: bytes, hashSuite: suite).entries.map(\.block)
    }
}
