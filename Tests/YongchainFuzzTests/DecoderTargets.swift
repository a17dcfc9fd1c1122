import Foundation
@testable import YongchainConsensus
import YongchainCore
import YongchainCrypto
@testable import YongchainHTTP
import YongchainTestSupport
@testable import YongchainApplication
@testable import YongchainNode

/// One decoder of untrusted bytes, with real encodings to start from.
struct DecoderTarget {
    enum Outcome { case refused, decoded, failed(String) }
    let name: String
    let seeds: [[UInt8]]
    let decode: ([UInt8]) -> Outcome
}

/// Every canonical decoder (`init(from: inout CanonicalReader)` in YongchainCore, YongchainConsensus,
/// YongchainNode and YongchainApplication: messages, blocks, signer state, transaction payloads and the state
/// records the application reads back), plus the HTTP parsers a peer's bytes reach.
///
/// Oracles besides "no trap": a value that decodes re-encodes to exactly the input (one value, one encoding);
/// a payload that decodes and converts to JSON converts back to the same bytes; the request parser gives the
/// same result whole and split in two.
enum DecoderTargets {
    /// `upgrades`: the type also reads an older stored layout (the signer record, which is stored locally and never
    /// hashed or signed): its re-encoding may differ from the input once, but must then be stable.
    static func canonical<T: CanonicalCodable>(_ type: T.Type, _ seeds: [[UInt8]], name: String? = nil, upgrades: Bool = false) -> DecoderTarget {
        DecoderTarget(name: name ?? String(describing: T.self), seeds: seeds) { b in
            guard let v = try? T(canonical: b, hashSuite: .sha256) else { return .refused }
            let again = v.canonicalBytes
            if again == b { return .decoded }
            if upgrades, let w = try? T(canonical: again, hashSuite: .sha256), w.canonicalBytes == again { return .decoded }
            return .failed("decodes, but re-encodes to \(again.count) other bytes: one value with two encodings")
        }
    }

    /// Sequences of canonical primitives (lengths, counts, flags, integers, identifiers, keys, hashes): a decoder
    /// with no real seed still gets inputs shaped like what it reads.
    static func grammar(_ rng: inout SplitMix64) -> [UInt8] {
        var w = CanonicalWriter()
        let texts = [FuzzWorld.chainID, FuzzWorld.exporter.value, FuzzWorld.number(1).value, "CNY", "USD", FuzzWorld.unit,
                     FuzzWorld.residentID, "Jing2020-0001234", "name 名称", ""]
        for _ in 0..<rng.int(1...14) {
            switch rng.int(0...9) {
            case 0: w.u8(UInt8(rng.int(0...3)))
            case 1: w.u64(rng.chance(0.5) ? Edge.integer(&rng) : UInt64(rng.int(0...30_000_000)))
            case 2: w.u32(rng.chance(0.3) ? UInt32(truncatingIfNeeded: Edge.integer(&rng)) : UInt32(rng.int(0...20_300_101)))
            case 3, 4: w.string(rng.pick(texts))
            case 5: w.hash(FuzzWorld.digest("\(rng.int(0...9))"))
            case 6: w.publicKey(rng.pick(FuzzWorld.callers).publicKey)
            case 7: w.bytes((0..<rng.pick([0, 32, 64, 65])).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            case 8: w.i64(Int64(bitPattern: Edge.integer(&rng)))
            default: w.u16(UInt16(truncatingIfNeeded: rng.int(0...70_000)))
            }
        }
        return w.bytes
    }

    /// `state`: values from a node's committed state, seeds for every record decoder.
    static func all(state: [[UInt8]] = []) -> [DecoderTarget] {
        var g = SplitMix64(seed: 0xDEC0DE)
        let grammarSeeds = (0..<16).map { _ in grammar(&g) }
        let chain = GossipSeeds.blocks
        let blocks = chain.map(\.block)
        let certs = chain.map(\.certificate)
        let txs = blocks.flatMap(\.transactions) + FuzzWorld.payloads.enumerated().map { FuzzWorld.transaction($1.type, $1.body, by: $1.signer, nonce: UInt64($0)) }
        let votes = [FuzzWorld.signedVote(height: 3, hash: blocks[2].hash), FuzzWorld.signedVote(height: 2, hash: nil, type: .prevote)]
        let proposals = blocks.map(FuzzWorld.signedProposal)
        var signer = SignerGuard()
        signer.record(SignerGuard.Message(proposals[2]), signature: proposals[2].signature)
        for type in [VoteType.prevote, .precommit] {
            let v = FuzzWorld.signedVote(height: 3, hash: blocks[2].hash, type: type)
            signer.record(SignerGuard.Message(v), signature: v.signature)
        }
        var first = SignerRecord()
        first.guardState = signer
        first.height = 3
        first.locked = .init(value: blocks[2].hash, round: 0)
        first.justification = Array(votes.prefix(2))
        var second = SignerRecord()
        second.valid = .init(value: blocks[1].hash, round: 5)
        let records = [first, second]
        let messages: [GossipMessage] = [.vote(votes[0]), .proposal(proposals[1], blocks[1]), .transactions(Array(txs.prefix(3)))]
        let envelopes = (0..<8).map { _ in GossipSeeds.envelope(&g, committed: 3) }
        let payloadBodies = FuzzWorld.payloads.map(\.body)
        let fields = [FuzzWorld.fields(1), FuzzWorld.fields(7)]
        let enc: ([any CanonicalCodable]) -> [[UInt8]] = { $0.map(\.canonicalBytes) }
        let enterprise = Enterprise(creditCode: FuzzWorld.exporter, name: "Fuzz Exporter", publicKey: FuzzWorld.enterpriseKey.publicKey, registeredAt: 1)

        var targets: [DecoderTarget] = [
            canonical(BlockHeader.self, enc(blocks.map(\.header))),
            canonical(Block.self, enc(blocks)),
            canonical(Transaction.self, enc(txs)),
            canonical(Vote.self, enc(votes)),
            canonical(Proposal.self, enc(proposals)),
            canonical(CommitCertificate.self, enc(certs)),
            canonical(SignerGuard.self, [signer.canonicalBytes, SignerGuard().canonicalBytes]),
            canonical(SignerRecord.self, enc(records), upgrades: true),
            canonical(GossipMessage.self, enc(messages)),
            canonical(GossipEnvelope.self, enc(envelopes)),
            canonical(SyncBatch.self, [SyncBatch(entries: chain).canonicalBytes, SyncBatch(entries: []).canonicalBytes]),
            DecoderTarget(name: "GossipReply", seeds: [GossipReply.encode(height: 7)]) { b in
                GossipReply.height(b) == nil ? .refused : .decoded
            },
            canonical(RecordedAt.self, [RecordedAt(height: 5, time: 1_700_000_000_000).canonicalBytes]),
            canonical(Member.self, [Member(name: "bank-a", role: .bank, authorities: [], publicKey: FuzzWorld.bankA.publicKey, address: "http://127.0.0.1:26601").canonicalBytes,
                                    Member(name: "registry", role: .registry, authorities: [.realEstate, .trade], publicKey: FuzzWorld.registry.publicKey, address: "https://registry.example:26601").canonicalBytes]),
            canonical(Enterprise.self, [enterprise.canonicalBytes]),
            canonical(DeclarationFields.self, enc(fields)),
            canonical(PublishedDeclaration.self, enc(fields.map { PublishedDeclaration($0, suite: .sha256) })),
            canonical(PledgeRequest.self, [PledgeRequest(declaration: fields[0], amount: FuzzWorld.cny(5)).canonicalBytes]),
            canonical(PropertyOwner.self, [], name: "PropertyOwner"),
            canonical(AuthorizationRecord.self, []),
            canonical(CreditQueryRecord.self, []),
            canonical(MortgageRecord.self, []),
            canonical(FinancingRecord.self, []),
            canonical(PledgeRecord.self, []),
            canonical(RepaymentRecord.self, []),
            canonical(ExposureRecord.self, []),
            canonical(Property.self, []),
            canonical(PropertyStatus.self, []),
            canonical(Seizure.self, []),
            canonical(DeclarationRecord.self, []),
            canonical(GovernanceProposal.self, []),
            canonical(GovernanceAction.self, FuzzWorld.payloads.compactMap { try? ProposeGovernance(canonical: $0.body) }.map(\.action.canonicalBytes)),
            canonical(Revocation.self, [Revocation(name: "bank-b", height: 9, reason: .forced, replacedBy: FuzzWorld.stranger.publicKey).canonicalBytes,
                                        Revocation(name: "bank-b", height: 9, reason: .removed, replacedBy: nil).canonicalBytes]),
            canonical(GovernanceRules.self, [GovernanceRules().canonicalBytes]),
            canonical(ProposalLimits.self, [ProposalLimits().canonicalBytes]),
        ]
        // Every transaction type through its handler: the payload decoder, the admission check on an empty state,
        // and canonical → JSON → canonical.
        for (type, h) in LedgerApplication.handlers.sorted(by: { $0.key < $1.key }) {
            let own = FuzzWorld.payloads.filter { $0.type == type }.map(\.body)
            targets.append(DecoderTarget(name: "payload \(type)", seeds: own.isEmpty ? payloadBodies : own) { b in
                let tx = Transaction(type: type, body: b, signer: FuzzWorld.bankA.publicKey, nonce: 1, signature: [])
                _ = h.check(tx, EmptyState())
                guard let json = h.jsonFromBody(b) else { return .refused }
                if let back = try? h.bodyFromJSON(json), back != b {
                    return .failed("canonical → JSON → canonical gives other bytes: \(String(decoding: json.prefix(200), as: UTF8.self))")
                }
                return .decoded
            })
        }
        targets.append(DecoderTarget(name: "HTTPResponseParser", seeds: [
            Array("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 8\r\n\r\n\0\0\0\0\0\0\0\u{7}".utf8),
            Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".utf8),
            Array("HTTP/1.0 200 OK\r\n\r\nbody to the end".utf8),
        ]) { b in
            var p = HTTPResponseParser(maxResponseBytes: 1 << 20, isHeadRequest: false)
            b.withUnsafeBytes { p.feed($0) }
            if case .complete = p.parse(eof: false) { return .decoded }
            if case .complete = p.parse(eof: true) { return .decoded }
            return .refused
        })
        targets.append(DecoderTarget(name: "HTTPRequestParser (whole vs split)", seeds: [
            Array("GET /v1/blocks?limit=5 HTTP/1.1\r\nHost: a\r\n\r\n".utf8),
            Array("POST /v1/txs HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}GET / HTTP/1.0\r\n\r\n".utf8),
        ]) { b in
            let whole = requestParse([b])
            let cut = b.isEmpty ? 0 : (b.count * 7 / 13)
            let split = requestParse([Array(b[..<cut]), Array(b[cut...])])
            guard whole == split else { return .failed("whole: \(whole); split at \(cut): \(split)") }
            return whole.hasPrefix("request") ? .decoded : .refused
        })
        return targets.map { t in DecoderTarget(name: t.name, seeds: t.seeds + grammarSeeds + state, decode: t.decode) }
    }

    /// The parser's results for `chunks` fed one after another, as text.
    static func requestParse(_ chunks: [[UInt8]]) -> String {
        var p = HTTPRequestParser()
        var out: [String] = []
        for c in chunks {
            p.feed(c)
            while out.count < 16 {
                switch p.next() {
                case .request(let r):
                    out.append("request \(r.method) \(r.target) \(r.query.sorted { $0.key < $1.key }) \(r.headers.map { "\($0.name)=\($0.value)" }) \(r.body)")
                    continue
                case .needMoreData: break
                case .error(let s, let c, _):
                    out.append("error \(s) \(c)")
                    return out.joined(separator: " | ")
                }
                break
            }
        }
        return out.joined(separator: " | ")
    }
}
