import Foundation
import YongchainCore
import YongchainCrypto
import YongchainStorage

extension DemoFlows {
    /// What each bank's member node holds after the flows, read from its database file (data/member.sqlite): its
    /// certified headers, its own transactions, and how many of the other banks' transactions it holds a body of.
    mutating func holdings(_ m: ClusterCommand.Manifest) {
        let members = m.nodes.filter { $0.member == true }
        guard !members.isEmpty else { return }
        print("\n== What each bank's node holds ==")
        let seen = orgs.values.first?.seen
        for e in members {
            let others = members.filter { $0.name != e.name }
            let theirs = others.flatMap { seen?.submissions(of: $0.name) ?? [] }.compactMap { Hash(hex: $0) }
            step("\(e.name)'s member node holds its own business and the headers, none of \(others.map(\.name).joined(separator: ", "))'s transactions") {
                let h = try MemberStore.holdings(path: e.home + "/data/member.sqlite", others: theirs)
                let own = seen?.submissions(of: e.name).count ?? 0
                return (h.othersHeld == 0 && h.headers > 0 && h.ownTransactions >= own,
                        "headers \(h.headers), own transactions \(h.ownTransactions) (\(own) submitted by it), others' bodies \(h.othersHeld) of \(theirs.count); no state")
            }
        }
    }
}
