import Foundation
import YongchainCore
import YongchainCrypto
import YongchainNode

/// `cluster init --member-banks N`: the consortium docs/confidentiality.md suggests. The four authorities validate
/// and run full nodes (the real-estate registry, the trade authority, the central bank's city branch and the
/// credit-information platform, both role supervisor, the central bank holding the grey-list's `greylist`); the banks vote on nothing and run member nodes (`"node":
/// "member"` in genesis and in their config.json), so each bank's node holds its own business and proofs only.
extension ClusterCommand {
    static let consortiumValidators: [(String, Role, [Authority])] = [
        ("registry", .registry, [.realEstate]), ("trade-authority", .registry, [.trade]),
        ("central-bank", .supervisor, [.greylist]), ("credit-platform", .supervisor, []),
    ]

    /// Most member banks `--member-banks` takes: the city's pilot had 37; the rest of the box's limits (ports,
    /// open files) are checked against the count asked for.
    static let maxMemberBanks = 60

    /// bank-a … bank-z, then bank-aa, bank-ab, …: the demo's flows name bank-a and bank-b.
    static func bankName(_ i: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return i < 26 ? "bank-\(letters[i])" : "bank-\(letters[i / 26 - 1])\(letters[i % 26])"
    }

    /// Whether `nodes` processes of this cluster fit the box: their ports below 65536 and, since every member node
    /// keeps connections to the full nodes and a full node one to each peer, the open-file limit the nodes
    /// inherit from this process (each needs about 64 descriptors plus 4 per other node).
    static func checkCapacity(nodes: Int, base: Int) throws {
        guard base + nodes <= 65535 else { throw UsageError("--base-port \(base) leaves no room for \(nodes) nodes' ports (at most 65535)") }
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let needed = 64 + 4 * nodes
        if limit.rlim_cur < rlim_t(needed) {
            throw UsageError("\(nodes) nodes need about \(needed) open files each, and this shell allows \(limit.rlim_cur) (ulimit -n); raise it or ask for fewer member banks")
        }
    }

    /// The organisations of the consortium and their homes: validators first, then member banks, then observers.
    static func consortium(memberBanks: Int, dir: String, base: Int, scheme: String, algorithms: [SignatureSuite]) throws
        -> (orgs: [Organization], entries: [Manifest.Entry]) {
        let fm = FileManager.default
        var orgs: [Organization] = []
        var entries: [Manifest.Entry] = []
        let members = consortiumValidators.map { ($0.0, $0.1, $0.2, UInt64(1), NodeKind.full) }
            + (0..<memberBanks).map { (bankName($0), Role.bank, [Authority](), UInt64(0), NodeKind.member) }
        for (i, (name, role, auths, power, kind)) in members.enumerated() {
            let home = "\(dir)/\(name)"
            try fm.createDirectory(atPath: home, withIntermediateDirectories: true)
            let key = try PrivateKey.generate(suite: algorithms[min(i, algorithms.count - 1)])
            try KeyFile.write(key, to: home + "/node.key")
            let url = "\(scheme)://127.0.0.1:\(base + i + 1)"
            orgs.append(Organization(name: name, role: role, authorities: auths, publicKey: key.publicKey, address: url, power: power, node: kind))
            entries.append(.init(name: name, home: home, url: url, validator: power > 0, member: kind == .member ? true : nil))
        }
        return (orgs, entries)
    }
}
