import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto

/// `yongchain governance propose|vote|list|show`: the consortium's proposals and votes (docs/governance.md), rows
/// of `AppCLI`'s table. `propose KIND` picks one of the `proposals` rows by its first word; `--json` replaces a
/// row's options with the whole `governance.propose` body.
enum GovernanceCommand {
    static func run(_ argv: [String]) throws {
        let kinds = proposals
        try AppCLI.run("governance", argv, [
            AppCLI.Sub(name: "propose", usage: "KIND [options] [--description TEXT]   (any member; KIND and its options:)\n"
                + kinds.map { "        \($0.name) \($0.usage)" }.joined(separator: "\n") + "\n      submits governance.propose signed with --key",
                       options: kinds.reduce(into: Set<String>()) { $0.formUnion($1.options) }) { a, c in
                guard let name = a.positionals.first, let kind = kinds.first(where: { $0.name == name }) else {
                    throw UsageError("governance propose needs a KIND: \(kinds.map(\.name).joined(separator: ", "))")
                }
                guard a.positionals.count == 1 else { throw UsageError("unexpected '\(a.positionals[1])' after \(name)") }
                // Each kind accepts only its own options: one meant for another kind is a mistake, not noise.
                if let stray = a.options.keys.sorted().first(where: { !kind.options.contains($0) && !AppCLI.common.contains($0) }) {
                    throw UsageError("--\(stray) is not an option of governance propose \(name)")
                }
                try kind.run(a, c)
            },
            .tx("vote", VoteGovernance.type, "--proposal ID (--approve | --reject)   (a voter of that proposal)", ["proposal"]) { a, _ in
                let approve = a.flag("approve"), reject = a.flag("reject")
                guard approve != reject else { throw UsageError("give exactly one of --approve and --reject") }
                return ["proposal": try proposalID(try a.require("proposal")), "approve": approve]
            }.withSwitches(["approve", "reject"]),
            .query("list", "[--status open|passed|rejected|failed|expired] [--after ID] [--limit N]   (any member)",
                   ["status", "after", "limit"]) { a, _ in
                ("GET", "/v1/governance/proposals" + AppCLI.queryString(a, ["status", "after", "limit"]), [])
            },
            .query("show", "ID | --proposal ID   (any member)", ["proposal"]) { a, _ in
                guard let id = a.value("proposal") ?? a.positionals.first else { throw UsageError("which proposal? give its ID") }
                return ("GET", "/v1/governance/proposals/\(try proposalID(id))", [])
            },
        ])
    }

    /// `governance propose <kind>`: each builds `{"action": {...}, "description": ...}`.
    static var proposals: [AppCLI.Sub] { [
        propose("member-add", "--card MEMBER_CARD.json [--power N] | --name NAME --role bank|registry|supervisor [--authority realEstate|trade|greylist ...]\n            --public-key KEY|FILE --address URL [--power N]   admits a member (without --power: the card's, or 0: non-voting)",
                ["card", "name", "role", "authority", "public-key", "address", "power"]) { a in
            if let file = a.value("card") {
                let card = try MemberCard.load(file)
                return ["type": "member.add", "name": card.name, "role": card.role.rawValue, "authorities": card.authorities.map(\.rawValue),
                        "publicKey": card.publicKey, "address": card.address,
                        "power": a.value("power") != nil ? try power(a) : card.power]
            }
            return ["type": "member.add", "name": try a.require("name"), "role": try a.require("role"), "authorities": a.values("authority"),
                    "publicKey": try AppCLI.publicKey(try a.require("public-key")), "address": try a.require("address"),
                    "power": a.value("power") != nil ? try power(a) : 0]
        },
        propose("member-remove", "--name NAME   removes a member (and its validator power); its key is revoked", ["name"]) { a in
            ["type": "member.remove", "name": try a.require("name")]
        },
        propose("rotate-key", "--name NAME --new-key KEY|FILE   replaces a member's key (proposed with the member's own key: a rotation;\n            by another member: forced, for a lost key)",
                ["name", "new-key"]) { a in
            ["type": "member.rotateKey", "name": try a.require("name"), "newPublicKey": try AppCLI.publicKey(try a.require("new-key"))]
        },
        propose("set-power", "--name NAME --power N   a member's validator power (0: out of the validator set)", ["name", "power"]) { a in
            ["type": "validator.setPower", "name": try a.require("name"), "power": try power(a)]
        },
        propose("set-node", "--name NAME --kind full|member   the kind of node a member runs (a validator's stays full)", ["name", "kind"]) { a in
            ["type": "member.setNode", "name": try a.require("name"), "node": try a.require("kind")]
        },
        propose("set-parameters", "--parameters JSON|@FILE   the whole consensus parameters (every field of genesis's \"consensus\")",
                ["parameters"]) { a in
            ["type": "parameters.set", "parameters": try jsonObject(a, "parameters")]
        },
        propose("set-rules", "--threshold NUM/DEN --voting-period-ms MS --proposers members|voters   the whole governance rules",
                ["threshold", "voting-period-ms", "proposers"]) { a in
            let t = try a.require("threshold").split(separator: "/").map { UInt64($0) }
            guard t.count == 2, let num = t[0], let den = t[1] else { throw UsageError("--threshold is NUM/DEN, like 2/3") }
            let period = try AppCLI.int(a, "voting-period-ms")
            return ["type": "rules.set", "rules": ["thresholdNumerator": num, "thresholdDenominator": den, "votingPeriodMs": period,
                                                   "proposers": try a.require("proposers")]]
        },
        propose("set-limits", "--max-open N --max-description-bytes N --retention-ms MS   the whole proposal limits (open proposals per\n            member, description size, how long a decided or expired proposal stays in state)",
                ["max-open", "max-description-bytes", "retention-ms"]) { a in
            ["type": "limits.set", "limits": ["maxOpenProposalsPerMember": try AppCLI.int(a, "max-open"),
                                              "maxDescriptionBytes": try AppCLI.int(a, "max-description-bytes"),
                                              "closedRetentionMs": try AppCLI.int(a, "retention-ms")]]
        },
        propose("greylist-add-key", "--vrf-key-file FILE   the grey-list's next VRF key (the file `yongchain greylist keygen` wrote); sends its\n            public key and its proof of possession for this chain, made here with the file", ["vrf-key-file"]) { a, c in
            let key = try KeyFile.readVRF(try a.require("vrf-key-file"))
            let proof = try key.prove(GreylistKeyPossession.alpha(chainID: try c.chainID(), key: key.publicKey.bytes))
            return ["type": "greylist.addVrfKey", "vrfKey": key.publicKey.text, "proof": Hex.encode(proof.bytes)]
        },
        propose("greylist-set-parameters", "--parameters JSON|@FILE   the grey-list's six parameters, all of them (docs/greylist.md)",
                ["parameters"]) { a in
            ["type": "greylist.setParameters", "parameters": try jsonObject(a, "parameters")]
        },
    ] }

    /// A `governance propose KIND` row: the action from `build`, the description from `--description`; `--json`
    /// gives the whole body instead.
    static func propose(_ name: String, _ usage: String, _ options: Set<String>, _ build: @escaping (Args) throws -> [String: Any]) -> AppCLI.Sub {
        propose(name, usage, options) { a, _ in try build(a) }
    }

    /// A row whose action needs the context (the chain id).
    static func propose(_ name: String, _ usage: String, _ options: Set<String>,
                        _ build: @escaping (Args, AppCLI.Context) throws -> [String: Any]) -> AppCLI.Sub {
        AppCLI.Sub(name: name, usage: usage, options: options.union(["description"])) { a, c in
            try c.submit(ProposeGovernance.type, json: try AppCLI.jsonOption(a) ?? ["action": try build(a, c), "description": a.value("description") ?? ""])
        }
    }

    static func proposalID(_ text: String) throws -> UInt64 {
        guard let id = UInt64(text), id >= 1 else { throw UsageError("a proposal id is a whole number from 1, got '\(text)'") }
        return id
    }

    static func power(_ a: Args) throws -> UInt64 {
        let v = try a.require("power")
        guard let p = UInt64(v), p <= Genesis.maxPower else { throw UsageError("--power is a whole number from 0 to \(Genesis.maxPower), got '\(v)'") }
        return p
    }

    /// `--NAME JSON|@FILE` as a JSON object.
    static func jsonObject(_ a: Args, _ name: String) throws -> [String: Any] {
        var text = try a.require(name)
        if text.hasPrefix("@") {
            guard let d = FileManager.default.contents(atPath: String(text.dropFirst())) else { throw UsageError("--\(name): cannot read \(text.dropFirst())") }
            text = String(decoding: d, as: UTF8.self)
        }
        guard let o = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw UsageError("--\(name): not a JSON object")
        }
        return o
    }
}
