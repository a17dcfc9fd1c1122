import CSQLite
import Foundation
import YongchainCore
import YongchainCrypto

/// What the validator signed (the record a restart resumes from, with the blocks it names) and the evidence it
/// saw, beside the chain.
extension ChainStore {
    public func loadSignerState() throws -> [UInt8]? {
        try locked {
            var out: [UInt8]?
            try writer.query("SELECT data FROM signer WHERE id = 1") { out = $0.blob(0) }
            return out
        }
    }

    /// Durably records what this validator is about to sign. MUST return before the signature leaves the node.
    public func saveSignerState(_ data: [UInt8]) throws {
        try locked { try durably { try writer.run("INSERT OR REPLACE INTO signer (id, data) VALUES (1, ?)", [.blob(data)]) } }
    }

    /// Durably records the signer state together with the blocks it names (a validator's own proposals and
    /// valid value, which a restart must be able to propose and send again), replacing the blocks stored before,
    /// in one transaction. MUST return before any signature it covers leaves the node.
    public func saveSignerState(_ data: [UInt8], blocks: [Block]) throws {
        try locked {
            try durably { try writer.transaction {
                try writer.run("INSERT OR REPLACE INTO signer (id, data) VALUES (1, ?)", [.blob(data)])
                var stored: [[UInt8]] = []
                try writer.query("SELECT hash FROM signer_blocks") { stored.append($0.blob(0)) }
                let keep = Set(blocks.map(\.hash.bytes))
                for h in stored where !keep.contains(h) { try writer.run("DELETE FROM signer_blocks WHERE hash = ?", [.blob(h)]) }
                for b in blocks where !stored.contains(b.hash.bytes) {
                    try writer.run("INSERT INTO signer_blocks (hash, data) VALUES (?, ?)", [.blob(b.hash.bytes), .blob(b.canonicalBytes)])
                }
            } }
        }
    }

    /// The blocks stored with the signer state; one that no longer hashes to its key is left out (the driver is
    /// told it does not hold it).
    public func loadSignerBlocks() throws -> [Block] {
        try locked {
            var out: [Block] = []
            try writer.query("SELECT hash, data FROM signer_blocks") { row in
                if let b = try? Block(canonical: row.blob(1), hashSuite: try chainLocked().hashSuite), b.hash.bytes == row.blob(0) { out.append(b) }
            }
            return out
        }
    }

    public func addEvidence(height: UInt64, validator: Int, data: [UInt8]) throws {
        try locked {
            try writer.run("INSERT OR IGNORE INTO evidence (height, validator, data) VALUES (?, ?, ?)",
                           [try .int(checked: height, "height"), .int(Int64(validator)), .blob(data)])
        }
    }

    public func evidence(limit: Int = 100) throws -> [(height: UInt64, validator: Int, data: [UInt8])] {
        try read { v in
            var out: [(UInt64, Int, [UInt8])] = []
            try v.connection.query("SELECT height, validator, data FROM evidence ORDER BY id DESC LIMIT ?", [.int(Int64(max(limit, 0)))]) {
                out.append((try $0.unsigned(0), try $0.count(1), $0.blob(2)))
            }
            return out.map { (height: $0.0, validator: $0.1, data: $0.2) }
        }
    }
}
