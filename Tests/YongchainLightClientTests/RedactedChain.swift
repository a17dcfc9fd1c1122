import Foundation
@testable import YongchainCore
import YongchainCrypto

/// A small chain of real blocks for redacted batches: `ProofChain`'s four validators, blocks whose transactions
/// belong to "org-2" (the member) or to others, each header carrying the transaction root, the results hash and a
/// state root over the party logs, certified by three of the four.
struct RedactedChain {
    static let member = "org-2"
    static let chain = Chain(id: ProofChain.chainID, hashSuite: .sha256)
    let set = ProofChain.set(ProofChain.keys)
    var blocks: [Block] = []
    var certificates: [CommitCertificate] = []
    var codes: [[String]] = []
    /// For each block, the indices of the member's transactions.
    var own: [[Int]] = []
    var logs: [String: PartyLog] = [:]
    var store = MemoryTreeStore()
    var root: ChildRef?
    /// The state roots after each block, by height.
    var roots: [ChildRef?] = [nil]

    /// A transaction by `signer` (a seed) with a body naming `what`.
    static func tx(_ what: String, signer: UInt8, nonce: UInt64) -> Transaction {
        Transaction.signed(type: "financing.record", body: Array(what.utf8), nonce: nonce, key: ProofChain.key(signer), chainID: ProofChain.chainID)
    }

    /// Appends a block of `txs` (each with its code and its parties) and certifies it.
    mutating func add(_ txs: [(tx: Transaction, code: String, parties: [String])]) {
        let height = UInt64(blocks.count + 1)
        let suite = RedactedChain.chain.hashSuite
        var writes: [(key: [UInt8], value: [UInt8]?)] = []
        for (i, t) in txs.enumerated() {
            for p in t.parties {
                let log = (logs[p] ?? .empty).appending(height: height, txIndex: UInt32(i), txHash: t.tx.hash(on: RedactedChain.chain), code: t.code, suite: suite)
                logs[p] = log
            }
        }
        for p in Set(txs.flatMap(\.parties)).sorted() { writes.append((PartyLog.stateKey(p), logs[p]!.canonicalBytes)) }
        let u = try! StateTree.update(root: root, version: height, writes: writes, reader: store, suite: suite)
        store.apply(u)
        root = u.root
        roots.append(root)
        let previous = blocks.last?.hash ?? .zero
        let header = BlockHeader(chain: RedactedChain.chain, height: height, time: 1_700_000_000_000 + Int64(height) * 1000,
                                 previousBlockHash: previous, lastCommitHash: Block.commitHash(certificates.last, suite: suite),
                                 txRoot: Block.txRoot(txs.map(\.tx), chain: RedactedChain.chain),
                                 resultsHash: Block.resultsHash(txs.map { ($0.tx.hash(on: RedactedChain.chain), $0.code) }, suite: suite),
                                 stateRoot: u.rootHash, validatorsHash: set.hash(suite), nextValidatorsHash: set.hash(suite),
                                 proposer: set[0].publicKey)
        blocks.append(Block(header: header, transactions: txs.map(\.tx), lastCommit: certificates.last))
        certificates.append(ProofChain.certificate(header, keys: ProofChain.keys, signers: [0, 1, 2]))
        codes.append(txs.map(\.code))
        own.append(txs.indices.filter { txs[$0].parties.contains(RedactedChain.member) })
    }

    /// The standard chain: three blocks, the member's financing and a refusal among others' business.
    static func standard() -> RedactedChain {
        var c = RedactedChain()
        c.add([(tx("bank A finances D-0001 for 800,000", signer: 3, nonce: 1), "OK", ["org-1", "org-3"]),
               (tx("org-2 finances D-0002 for 500,000", signer: 2, nonce: 1), "OK", ["org-1", "org-2"]),
               (tx("bank A finances D-0003 for 1", signer: 3, nonce: 2), "OK", ["org-1", "org-3"])])
        c.add([])
        c.add([(tx("org-2 finances D-0001 again", signer: 2, nonce: 2), "DUPLICATE_FINANCING", ["org-2"]),
               (tx("bank C queries 91310000MA1FL0001", signer: 4, nonce: 1), "OK", ["org-1", "org-4"])])
        return c
    }

    /// The batch of blocks `from`...`to` (heights) for the member, as a full node builds it.
    func batch(_ from: Int, _ to: Int) -> RedactedBatch {
        let blocks = (from...to).map { h in
            RedactedBatch.redact(self.blocks[h - 1], certificate: certificates[h - 1], codes: codes[h - 1], own: own[h - 1], nextValidators: nil,
                                 chain: RedactedChain.chain)
        }
        let key = PartyLog.stateKey(RedactedChain.member)
        let proof = try! StateTree.prove(root: roots[to], key: key, reader: store, suite: .sha256)
        let value = try! StateTree.get(root: roots[to], key: key, reader: store, suite: .sha256)
        return RedactedBatch(blocks: blocks, party: .init(log: value == nil ? nil : logAt(to), proof: proof))
    }

    /// The member's log after block `height`.
    func logAt(_ height: Int) -> PartyLog {
        var log = PartyLog.empty
        for h in 0..<height {
            for i in own[h] {
                log = log.appending(height: UInt64(h + 1), txIndex: UInt32(i), txHash: blocks[h].transactions[i].hash(on: RedactedChain.chain),
                                    code: codes[h][i], suite: .sha256)
            }
        }
        return log
    }
}
