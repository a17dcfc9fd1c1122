import YongchainCore

/// Which member is a party to which transaction (docs/confidentiality.md): what a full node reads to serve a member
/// node its own transactions in full and the rest redacted. Written with the block, from the application's
/// `recordParties`, so it is exactly what the party logs in state fold.
extension ChainStore {
    /// Inside the commit's transaction: one row per (member, transaction).
    func storeParties(_ parties: [[String]], height: Value) throws {
        for (i, names) in parties.enumerated() {
            for n in names { try writer.run("INSERT INTO parties (member, height, idx) VALUES (?, ?, ?)", [.text(n), height, .int(Int64(i))]) }
        }
    }
}

extension ReadView {
    /// The indices of `member`'s transactions in the block at `height`, in increasing order.
    public func parties(member: String, height: UInt64) throws -> [Int] {
        guard let h = Value.int(exactly: height) else { return [] }
        var out: [Int] = []
        try connection.query("SELECT idx FROM parties WHERE member = ? AND height = ? ORDER BY idx", [.text(member), h]) { out.append(try $0.count(0)) }
        return out
    }
}
