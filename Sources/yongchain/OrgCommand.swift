import Foundation
import YongchainCore
import YongchainCrypto
import YongchainNode

/// One organisation's side of a consortium deployed one node per organisation, each on its own host
/// (docs/operations.md, "Containers"): `org init` makes the key and the public member card on the org's host,
/// `org bundle` turns the assembled genesis into that host's config and compose file. No private key moves.
enum OrgCommand {
    static let help = """
    yongchain org init --home DIR --name NAME --role bank|registry --address https://HOST:PORT [--authorities realEstate+trade] [--power 100] [--algorithm ed25519|sm2] [--output json]
        On the organisation's own host: creates DIR, a new key DIR/node.key (mode 0600; it never leaves the host)
        and DIR/member.json, the public member card (name, role, authorities, public key, address, power) to send
        to the genesis coordinator. HOST:PORT is where the other members will reach this node (https://: the members speak TLS 1.3; http://: plain). --power: its
        voting power, 100 unless given (powers like 100 rather than 1 let the set change later: a change may move
        less than a third of the power at once; docs/governance.md); 0: a member that does not vote. --algorithm: the key's,
        Ed25519 (the default) or SM2; the card carries it (sm2:<hex>).
    yongchain org bundle --home DIR --genesis FILE [--image IMAGE] [--bind IP] [--output json]
        After `genesis assemble`: checks that FILE lists this host's key, then writes into DIR the genesis, the
        node's config.json and compose.yaml (one node, published on the port of its genesis address, on every
        interface or only IP with --bind; image localhost/yongchain:local unless --image), hands node.key to the
        container's user (uid 10001) when run as root, and prints the command that starts the node.
    yongchain org join --home DIR --genesis FILE --peer URL [--peer URL ...] [--listen HOST:PORT] [--tls on|off] [--output json]
    yongchain org join --home DIR --genesis FILE --peer URL [--peer URL ...] --compose [--tls on|off] [--image IMAGE] [--bind IP] [--output json]
        For an organisation joining a running consortium, after `org init`: writes into DIR the consortium's own
        genesis (the file every member started from: a joiner never makes a new one) and config.json naming the
        peers it catches up from (URLs of running members; each is asked for its chain id). The node starts as an
        observer: it catches up from genesis and follows the chain, and it signs blocks from the height at which a
        governance vote gives it power (docs/governance.md, "A bank joins"). --listen defaults to the port of
        the card's address on every interface. The node speaks the scheme of the card's address and the peers'
        URLs (https://: TLS 1.3; http://: plain), which must agree; --tls, if given, must say the same.
        --compose: the node runs in a container, as `org bundle` makes it for a founding member: compose.yaml publishing the card's port (on IP with --bind),
        the config listening inside the container, node.key handed to the container's user when run as root.
    Example:
      yongchain org init --home bank-x --name bank-x --role bank --address http://127.0.0.1:27001
      yongchain genesis assemble --chain-id city-1 --time 1700000000000 --out bank-x-genesis.json bank-x/member.json
      yongchain org bundle --home bank-x --genesis bank-x-genesis.json
    """

    static let defaultImage = "localhost/yongchain:local"
    /// A validator's power unless --power says otherwise: room for the set to change by votes (docs/governance.md).
    static let defaultPower: UInt64 = 100
    /// The port the node listens on inside the container (docker/Dockerfile: EXPOSE 26601).
    static let containerPort = 26601

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard let sub = argv.first else { throw UsageError("org needs 'init', 'bundle' or 'join'") }
        let rest = Array(argv.dropFirst())
        switch sub {
        case "init": try initOrg(try Args(rest, valued: ["home", "name", "role", "address", "authorities", "power", "output", "algorithm"]))
        case "bundle": try bundle(try Args(rest, valued: ["home", "genesis", "image", "bind", "output"]))
        case "join": try join(try Args(rest, valued: ["home", "genesis", "peer", "listen", "tls", "image", "bind", "output"], switches: ["compose"]))
        default: throw UsageError("unknown org subcommand '\(sub)'")
        }
    }

    static func initOrg(_ a: Args) throws {
        let home = try a.require("home")
        let name = try a.require("name")
        if let why = MemberCard.nameProblem(name) { throw UsageError("--name: \(why)") }
        guard let role = Role(rawValue: try a.require("role")) else { throw UsageError("--role: bank or registry") }
        let address = try a.require("address")
        if let why = MemberCard.addressProblem(address) { throw UsageError("--address: \(why)") }
        let authorities = try (a.value("authorities")?.split(separator: "+") ?? []).map { s -> Authority in
            guard let au = Authority(rawValue: String(s)) else { throw UsageError("--authorities: unknown '\(s)' (realEstate, trade, greylist)") }
            return au
        }
        let power = try a.value("power").map { v -> UInt64 in
            guard let p = UInt64(v), p <= Genesis.maxPower else { throw UsageError("--power: a whole number from 0 to \(Genesis.maxPower)") }
            return p
        } ?? defaultPower
        let fm = FileManager.default
        for file in ["node.key", "member.json"] where fm.fileExists(atPath: "\(home)/\(file)") {
            throw CommandFailed("\(home)/\(file) already exists; an organisation is initialised once (pick another --home)", code: "ORG_EXISTS")
        }
        let key = try PrivateKey.generate(suite: try KeysCommand.algorithm(a))
        let card = MemberCard(kind: MemberCard.kindV1, name: name, role: role, authorities: authorities,
                              publicKey: key.publicKey.text, address: address, power: power)
        // Checked before anything is written, so a refused card leaves no key behind.
        if let p = card.problem() { throw UsageError("--\(p.field): \(p.why)") }
        try fm.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try KeyFile.write(key, to: home + "/node.key")
        try card.write(home + "/member.json")
        if a.value("output") == "json" {
            print(try AppCLI.jsonText(["name": name, "publicKey": key.publicKey.text, "address": address,
                                       "key": home + "/node.key", "memberCard": home + "/member.json"]))
            return
        }
        print("organisation \(name): key \(home)/node.key (stays on this host), public key \(key.publicKey.text)")
        print("send \(home)/member.json to the genesis coordinator (it holds no secret)")
    }

    /// --image and --bind of a command that writes a compose file.
    static func containerOptions(_ a: Args) throws -> (image: String, bind: String?) {
        let image = a.value("image") ?? defaultImage
        guard !image.isEmpty, image.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\"" && $0 != "'" }) else {
            throw UsageError("--image: an image reference such as \(defaultImage)")
        }
        let bind = a.value("bind")
        if let bind, bind.split(separator: ".").count != 4 || bind.split(separator: ".").contains(where: { UInt8($0) == nil }) {
            throw UsageError("--bind: an IPv4 address of this host, not '\(bind)'")
        }
        return (image, bind)
    }

    static func bundle(_ a: Args) throws {
        let home = try a.require("home")
        let genesisPath = try a.require("genesis")
        let (image, bind) = try containerOptions(a)
        let genesis = try GenesisFile.load(path: genesisPath)
        let key = try KeyFile.read(home + "/node.key")
        guard let me = genesis.organization(for: key.publicKey) else {
            throw CommandFailed("\(genesisPath) does not list this host's key \(key.publicKey.text) (\(home)/node.key): "
                                + "was the member card from \(home) in the assembly?", code: "ORG_NOT_IN_GENESIS")
        }
        // The card is optional (a home made by hand has none); one that is there but unreadable is an error.
        let cardPath = home + "/member.json"
        if FileManager.default.fileExists(atPath: cardPath), case let card = try MemberCard.load(cardPath),
           card.name != me.name || card.address != me.address {
            throw CommandFailed("\(genesisPath) lists this key as \(me.name) at \(me.address), but \(home)/member.json says "
                                + "\(card.name) at \(card.address)", code: "ORG_NOT_IN_GENESIS")
        }
        guard let port = me.address.split(separator: ":").last.flatMap({ UInt16($0) }) else {
            throw CommandFailed("\(genesisPath): \(me.name)'s address \(me.address) has no port", code: "GENESIS_INVALID")
        }
        // An existing genesis in the home must be this one: a node refuses a database made for another.
        let target = home + "/genesis.json"
        if FileManager.default.fileExists(atPath: target), URL(fileURLWithPath: target).standardizedFileURL != URL(fileURLWithPath: genesisPath).standardizedFileURL {
            let old = try GenesisFile.load(path: target)
            guard old.hash == genesis.hash else {
                throw CommandFailed("\(target) is another chain's genesis (\(old.hash.short), not \(genesis.hash.short)); move it away first", code: "GENESIS_MISMATCH")
            }
        }
        try GenesisFile.write(genesis, path: target)
        // The genesis address's scheme says what the consortium speaks: https:// is TLS 1.3 between members.
        try NodeConfig(moniker: me.name, listen: "0.0.0.0:\(containerPort)", tls: me.address.hasPrefix("https://")).write(path: home + "/config.json")
        let publish = (bind.map { "\($0):" } ?? "") + "\(port):\(containerPort)"
        try composeFile(name: me.name, image: image, publish: publish, tls: me.address.hasPrefix("https://"), key: key.publicKey.text)
            .write(toFile: home + "/compose.yaml", atomically: true, encoding: .utf8)
        let warning = ContainerUser.handOver([home + "/node.key"])
        let peers = genesis.organizations.filter { $0.name != me.name }.map { "\($0.name) \($0.address)" }
        if a.value("output") == "json" {
            var o: [String: Any] = ["name": me.name, "genesisHash": genesis.hash.hex, "address": me.address, "compose": home + "/compose.yaml",
                                    "publish": publish, "peers": peers, "start": "podman-compose -p yongchain-\(me.name) -f \(home)/compose.yaml up -d"]
            if let warning { o["warning"] = warning }
            print(try AppCLI.jsonText(o))
        } else {
            print("\(me.name) bundle in \(home): genesis \(genesis.hash.short), config.json, compose.yaml (publishes \(publish), image \(image))")
            print("peers from genesis: \(peers.joined(separator: ", "))")
            // -p: podman-compose 1.0 ignores the file's `name:` and would name the project after the directory.
            print("start it with: podman-compose -p yongchain-\(me.name) -f \(home)/compose.yaml up -d     (or: docker compose -f \(home)/compose.yaml up -d)")
        }
        if let warning { printErr(warning) }
    }

    static func join(_ a: Args) throws {
        let home = try a.require("home")
        let genesisPath = try a.require("genesis")
        let peers = a.values("peer")
        guard !peers.isEmpty else { throw UsageError("--peer: at least one running member's URL to catch up from") }
        for p in peers where MemberCard.addressProblem(p) != nil {
            throw UsageError("--peer: \(p): \(MemberCard.addressProblem(p)!)")
        }
        if let v = a.value("tls"), v != "on", v != "off" { throw UsageError("--tls: on or off, not '\(v)'") }
        let genesis = try GenesisFile.load(path: genesisPath)
        let key = try KeyFile.read(home + "/node.key")
        let card = try MemberCard.load(home + "/member.json")
        guard card.publicKey == key.publicKey.text else {
            throw CommandFailed("\(home)/member.json is not the card of \(home)/node.key", code: "MEMBER_CARD_INVALID")
        }
        // The node speaks what its card and its peers say: a node speaking the other scheme reaches no one.
        let https = ([card.address] + peers).map { $0.lowercased().hasPrefix("https://") }
        guard Set(https).count == 1 else {
            throw UsageError("the card's address \(card.address) and the --peer URLs mix http:// and https://; a consortium speaks one (https:// between organisations)")
        }
        let tls = https[0]
        if let v = a.value("tls"), v != (tls ? "on" : "off") {
            throw UsageError("--tls \(v) contradicts the card and peers, which say \(tls ? "https://" : "http://"): the node would reach no peer; drop --tls")
        }
        if let o = genesis.organization(for: key.publicKey) {
            throw CommandFailed("\(genesisPath) already lists this key as \(o.name): a founding member uses `org bundle`", code: "ORG_IN_GENESIS")
        }
        guard let port = card.address.split(separator: ":").last.flatMap({ UInt16($0.split(separator: "/").first ?? "") }) else {
            throw CommandFailed("\(home)/member.json: the address \(card.address) has no port", code: "MEMBER_CARD_INVALID")
        }
        let compose = a.flag("compose")
        if compose, a.value("listen") != nil { throw UsageError("--listen does not apply with --compose: the container listens on \(containerPort), published on the card's port") }
        if !compose, let o = ["image", "bind"].first(where: { a.value($0) != nil }) { throw UsageError("--\(o) applies with --compose only") }
        let (image, bind) = try containerOptions(a)
        let listen = compose ? "0.0.0.0:\(containerPort)" : a.value("listen") ?? "0.0.0.0:\(port)"
        guard NodeConfig.split(listen) != nil else { throw UsageError("--listen: HOST:PORT, not '\(listen)'") }
        // Each peer says which chain it runs: a claim, but a wrong URL or a wrong genesis file shows here, before
        // the node spends its first start failing to catch up.
        var reached: [String] = []
        for p in peers {
            if let r = try? CLITLS.client(for: p, genesisPath: genesisPath).send("GET", url: p + "/v1/status", timeout: 5), r.status == 200,
               let status = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], let chain = status["chainId"] as? String {
                guard chain == genesis.chainID else {
                    throw CommandFailed("\(p) runs chain \(chain), not \(genesisPath)'s \(genesis.chainID)", code: "GENESIS_MISMATCH")
                }
                reached.append(p)
            }
        }
        let target = home + "/genesis.json"
        if FileManager.default.fileExists(atPath: target), try GenesisFile.load(path: target).hash != genesis.hash {
            throw CommandFailed("\(target) is another chain's genesis; move it away first", code: "GENESIS_MISMATCH")
        }
        try GenesisFile.write(genesis, path: target)
        try NodeConfig(moniker: card.name, listen: listen, peers: peers, tls: tls).write(path: home + "/config.json")
        var start = "yongchain node run --home \(home)"
        if compose {
            let publish = (bind.map { "\($0):" } ?? "") + "\(port):\(containerPort)"
            try composeFile(name: card.name, image: image, publish: publish, tls: tls, key: card.publicKey).write(toFile: home + "/compose.yaml", atomically: true, encoding: .utf8)
            if let warning = ContainerUser.handOver([home + "/node.key"]) { printErr(warning) }
            start = "podman-compose -p yongchain-\(card.name) -f \(home)/compose.yaml up -d"
        }
        let next = "a member proposes: yongchain governance propose member-add --card \(home)/member.json; the validators vote"
        if a.value("output") == "json" {
            print(try AppCLI.jsonText(["name": card.name, "genesisHash": genesis.hash.hex, "listen": listen, "peers": peers,
                                       "peersReached": reached, "start": start, "next": next]
                                      .merging(compose ? ["compose": home + "/compose.yaml"] : [:]) { a, _ in a }))
            return
        }
        print("\(card.name) joins \(genesis.chainID) (genesis \(genesis.hash.short)) in \(home): config.json listens on \(listen)\(compose ? " in its container" : ""), catches up from \(peers.joined(separator: ", ")) (\(reached.count) answered)")
        print("start it with: \(start)   (an observer until voted in)")
        print("then \(next)")
    }

    /// One node's compose file. Paths are relative to the file, so the home directory can live anywhere. The
    /// health check speaks the node's transport with the image's own binary: over TLS it accepts only this node's
    /// key (`YONGCHAIN_NODE_PUBKEY`, see CLITLS), as a bank pins it.
    static func composeFile(name: String, image: String, publish: String, tls: Bool, key: String) -> String {
        let pin = tls ? "\n    environment:\n      # The health check authenticates this node by its own key.\n      YONGCHAIN_NODE_PUBKEY: \"\(key)\"" : ""
        return """
        # Organisation \(name)'s Yongchain node, written by `yongchain org bundle`; paths are relative to this file.
        # Start: podman-compose -p yongchain-\(name) -f compose.yaml up -d (or: docker compose -f compose.yaml up -d).
        # Stop: the same with down (add -v to delete the chain's volume).
        name: yongchain-\(name)
        services:
          node:
            image: \(image)
            restart: unless-stopped
            ports: ["\(publish)"]
            ulimits:
              nofile:
                soft: 20000
                hard: 20000
              nproc: 4096
            volumes:
              - ./config.json:/yongchain/config.json:ro
              - ./genesis.json:/yongchain/genesis.json:ro
              - ./node.key:/yongchain/node.key:ro
              - data:/yongchain/data\(pin)
            # Docker runs this on its own; podman without systemd does not (run: podman healthcheck run CONTAINER).
            healthcheck:
              test: ["CMD", "yongchain", "status", "--node", "\(tls ? "https" : "http")://127.0.0.1:\(containerPort)"]
              interval: 10s
              timeout: 3s
              retries: 3
              start_period: 10s
        volumes:
          data: {}

        """
    }
}
