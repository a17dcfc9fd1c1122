import Foundation
import YongchainCore
import YongchainCrypto
import YongchainNode

enum GenesisCommand {
    static let help = """
    yongchain genesis new --chain-id ID --org SPEC [--org SPEC ...] --out FILE [--hash-suite sha256|sm3] [--output text|json]
        Each --org SPEC is comma-separated key=value pairs:
          name=bank-a,role=bank|registry,key=ed25519:<hex>|sm2:<hex>|KEYFILE,address=http://HOST:PORT[,power=1][,authorities=realEstate+trade]
        --hash-suite: the chain's hash for everything it hashes, sha256 (the default) or sm3 (the national suite);
        fixed for the chain's life. Each member's key brings its own algorithm (Ed25519 or SM2), on any chain.
        power=0 makes a member that does not vote. Example:
      yongchain genesis new --chain-id city-1 --out genesis.json \\
        --org name=registry,role=registry,authorities=realEstate+trade,key=reg.key,address=http://10.0.0.1:26601

    yongchain genesis assemble --chain-id ID --time MS --out FILE [--hash-suite sha256|sm3] [--empty-block-ms MS] [--output json] CARD.json [CARD.json ...]
        The coordinator's step of the genesis ceremony: one genesis from the member cards that `yongchain org init`
        wrote on each organisation's host (public keys and addresses only). Members are listed by name, so the
        same cards and --time (milliseconds since the epoch) give the same genesis and hash, whoever runs it:
        every member can re-run it to check the file it receives. The whole ceremony: yongchain org --help.
    """

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) || !["new", "assemble"].contains(argv.first) {
            print(help)
            if !CLI.wantsHelp(argv) { throw UsageError("genesis needs 'new' or 'assemble'") }
            return
        }
        if argv.first == "assemble" {
            return try assemble(try Args(Array(argv.dropFirst()), valued: ["chain-id", "time", "out", "empty-block-ms", "output", "hash-suite"]))
        }
        let a = try Args(Array(argv.dropFirst()), valued: ["chain-id", "org", "out", "time", "hash-suite", "output"])
        let json = try Output.isJSON(a)
        let chain = try a.require("chain-id")
        let out = try a.require("out")
        guard !a.values("org").isEmpty else { throw UsageError("at least one --org") }
        let orgs = try a.values("org").map(parseOrg)
        let time = try a.value("time").map { v -> Int64 in
            guard let t = Int64(v) else { throw UsageError("--time is milliseconds since the epoch") }
            return t
        } ?? Int64(Date().timeIntervalSince1970 * 1000)
        let g = Genesis(chainID: chain, genesisTime: time, organizations: orgs, hashSuite: try hashSuite(a))
        try g.validate()
        try GenesisFile.write(g, path: out)
        if json {
            return try Output.print(["genesisHash": g.hash.hex, "chainId": chain, "hashSuite": g.chain.hashSuite.rawValue, "members": orgs.map(\.name),
                                     "voting": orgs.filter { $0.power > 0 }.count, "out": out])
        }
        print("genesis \(g.hash.short) for chain \(g.chain) with \(orgs.count) organisations written to \(out)")
    }

    /// `--hash-suite`: nil when not given (genesis then names none: sha256, and the identity older genesis files had).
    static func hashSuite(_ a: Args) throws -> HashSuite? {
        guard let name = a.value("hash-suite") else { return nil }
        guard let s = HashSuite(rawValue: name) else { throw UsageError("--hash-suite: sha256 or sm3, not '\(name)'") }
        return s
    }

    /// Largest number of member cards one assembly reads (genesis itself allows 1,000 organisations).
    static let maxCards = 1000

    static func assemble(_ a: Args) throws {
        let chain = try a.require("chain-id")
        let out = try a.require("out")
        // Required, not "now": a genesis time taken from the clock would make each re-run a different chain.
        guard let time = Int64(try a.require("time")), time > 0 else { throw UsageError("--time is milliseconds since the epoch, e.g. 1700000000000") }
        let emptyMs = try a.value("empty-block-ms").map { _ in try a.int("empty-block-ms", default: 0) }
        if let emptyMs, !(1..<3000).contains(emptyMs) { throw UsageError("--empty-block-ms must be 1 to 2999 (below the propose timeout)") }
        guard !a.positionals.isEmpty else { throw UsageError("genesis assemble needs the members' card files (member.json from yongchain org init)") }
        guard a.positionals.count <= maxCards else { throw UsageError("at most \(maxCards) member cards") }
        var cards: [(path: String, card: MemberCard)] = []
        for path in a.positionals {
            let card = try MemberCard.load(path)
            // What genesis would refuse, said about the cards the coordinator holds.
            if let other = cards.first(where: { $0.card.name == card.name }) {
                throw CommandFailed("\(path) and \(other.path) both name \(card.name)", code: "MEMBER_CARD_DUPLICATE")
            }
            if let other = cards.first(where: { $0.card.publicKey == card.publicKey }) {
                throw CommandFailed("\(path) and \(other.path) carry the same public key", code: "MEMBER_CARD_DUPLICATE")
            }
            if let other = cards.first(where: { $0.card.address == card.address }) {
                throw CommandFailed("\(path) and \(other.path) give the same address \(card.address)", code: "MEMBER_CARD_DUPLICATE")
            }
            cards.append((path, card))
        }
        let orgs = cards.map(\.card).sorted { $0.name < $1.name }.map(\.organization)
        var g = Genesis(chainID: chain, genesisTime: time, organizations: orgs, hashSuite: try hashSuite(a))
        if let emptyMs { g.consensus.emptyBlockIntervalMs = emptyMs }
        try g.validate()
        try GenesisFile.write(g, path: out)
        let voting = orgs.filter { $0.power > 0 }.map(\.name), silent = orgs.filter { $0.power == 0 }.map(\.name)
        let voters = voting.count
        if a.value("output") == "json" {
            print(try AppCLI.jsonText(["genesisHash": g.hash.hex, "chainId": chain, "hashSuite": g.chain.hashSuite.rawValue,
                                       "members": orgs.map(\.name), "voting": voters, "voters": voting, "out": out]))
            return
        }
        print("genesis \(g.hash.hex) for chain \(g.chain): \(orgs.count) members, \(voters) voting (\(voting.joined(separator: ", ")))"
              + (silent.isEmpty ? "" : ", \(silent.count) not voting (\(silent.joined(separator: ", ")))") + ", written to \(out)")
        if voters < 4 { print("note: with \(voters) voting members no validator may fail (4 tolerate one)") }
    }

    static func parseOrg(_ spec: String) throws -> Organization {
        var kv: [String: String] = [:]
        for part in spec.split(separator: ",") {
            let p = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard p.count == 2 else { throw UsageError("--org: '\(part)' is not key=value") }
            kv[p[0]] = p[1]
        }
        guard let name = kv["name"] else { throw UsageError("--org needs name=") }
        guard let r = kv["role"], let role = Role(rawValue: r) else { throw UsageError("--org \(name): role=bank, role=registry or role=supervisor") }
        guard let k = kv["key"] else { throw UsageError("--org \(name): needs key=") }
        let key: PublicKey
        if let pk = PublicKey(text: k) { key = pk } else { key = try KeyFile.read(k).publicKey }
        guard let address = kv["address"] else { throw UsageError("--org \(name): needs address=http://HOST:PORT") }
        let power = try kv["power"].map { v -> UInt64 in
            guard let p = UInt64(v) else { throw UsageError("--org \(name): power is a whole number") }
            return p
        } ?? 1
        let auths = try (kv["authorities"]?.split(separator: "+") ?? []).map { s -> Authority in
            guard let a = Authority(rawValue: String(s)) else { throw UsageError("--org \(name): unknown authority '\(s)' (realEstate, trade, greylist)") }
            return a
        }
        let node = try kv["node"].map { v -> NodeKind in
            guard let n = NodeKind(rawValue: v) else { throw UsageError("--org \(name): node=full or node=member") }
            return n
        } ?? .full
        return Organization(name: name, role: role, authorities: auths, publicKey: key, address: address, power: power, node: node)
    }
}
