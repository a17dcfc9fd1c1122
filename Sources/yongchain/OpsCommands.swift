import Foundation
import YongchainApplication
import YongchainCore
import YongchainNode
import YongchainLightClient

/// Operator commands that work on a node's home directory: backup, restore, verify.
enum BackupCommand {
    static let help = "yongchain backup --home DIR --out FILE [--output text|json]     consistent online copy of the node's database (safe while it runs)"
    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        let a = try Args(argv, valued: ["home", "out", "output"])
        let json = try Output.isJSON(a)
        let h = try NodeBackup.backup(home: NodeHome(try a.require("home")), to: try a.require("out"))
        if json { return try Output.print(["height": h, "out": try a.require("out")]) }
        print("backup of height \(h) written to \(try a.require("out"))")
    }
}

enum RestoreCommand {
    static let help = "yongchain restore --home DIR --from FILE [--force] [--output text|json]   install a backup as a stopped node's database"
    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        let a = try Args(argv, valued: ["home", "from", "output"], switches: ["force"])
        let json = try Output.isJSON(a)
        let h = try NodeBackup.restore(home: NodeHome(try a.require("home")), from: try a.require("from"), force: a.flag("force"))
        if json { return try Output.print(["height": h, "home": try a.require("home")]) }
        print("restored height \(h); start the node and it catches up from its peers")
    }
}

enum VerifyCommand {
    static let help = """
    yongchain verify chain --home DIR [--output text|json]
        Offline audit of the whole chain in DIR: hash links, transaction roots, commit certificates against the
        validator set, and re-execution from genesis reproducing every recorded state root. Reads a copy; never
        changes the node's data. Exit 0 and one verdict line when the chain is sound, 1 with the first bad height
        (CHAIN_INVALID).

    yongchain verify answer --genesis FILE [--min-height H] [--max-age SECONDS] [--output json] ANSWER
        Offline check of a node's answer given with ?prove=true (ANSWER: the response body saved to a file, or -
        for standard input), with nothing but the chain's genesis file: the state proofs lead to the header's state
        root, the header's certificate carries more than two thirds of the validators' power (following every
        validator-set change from genesis), and the question asked, run again over the proven state alone, gives
        exactly the answer the node gave. Prints what is proven and at which height and time.
        A proven answer was true at its block: --min-height H also requires that block to be at height H or
        above (PROOF_HEIGHT_TOO_LOW), --max-age SECONDS its time to be at most SECONDS before this machine's
        clock (PROOF_TOO_OLD).
        Exit 0: proven. Exit 1: not proven, with the failing step's code (PROOF_MALFORMED, PROOF_WRONG_CHAIN,
        PROOF_WRONG_VALIDATORS, PROOF_BAD_CERTIFICATE, PROOF_BAD_STATE, PROOF_UNPROVEN_READ,
        PROOF_ANSWER_MISMATCH, PROOF_HEIGHT_TOO_LOW, PROOF_TOO_OLD; docs/proofs.md). Exit 2: usage, or a file that
        cannot be read.
    """

    /// The longest --max-age accepted: ten years, so SECONDS × 1000 never overflows.
    static let maxAgeSeconds: Int64 = 10 * 366 * 86_400
    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        switch argv.first {
        case "chain": try chain(Array(argv.dropFirst()))
        case "answer": try answer(Array(argv.dropFirst()))
        default: throw UsageError("verify needs 'chain' or 'answer'")
        }
    }

    static func chain(_ argv: [String]) throws {
        let a = try Args(argv, valued: ["home", "output"])
        let json = try Output.isJSON(a)
        let started = Date()
        let h = try ChainAudit.verify(home: NodeHome(try a.require("home"))) { done, total in
            if !json { printErr("verified \(done) of \(total) blocks") }
        }
        if json { return try Output.print(["verified": true, "blocks": h, "seconds": Date().timeIntervalSince(started)]) }
        print(String(format: "chain OK: %llu blocks verified (links, roots, certificates, state roots) in %.1f s", h, Date().timeIntervalSince(started)))
    }

    static func answer(_ argv: [String]) throws {
        let a = try Args(argv, valued: ["genesis", "output", "min-height", "max-age"])
        guard a.positionals.count == 1 else { throw UsageError("verify answer needs exactly one ANSWER file (or -)") }
        var freshness = AnswerVerifier.Freshness(now: Int64(Date().timeIntervalSince1970 * 1000))
        if let h = a.value("min-height") {
            guard let n = UInt64(h) else { throw UsageError("--min-height is a block height, 0 to 2^64-1, got '\(h)'") }
            freshness.minHeight = n
        }
        if let s = a.value("max-age") {
            guard let n = Int64(s), (0...maxAgeSeconds).contains(n) else {
                throw UsageError("--max-age is whole seconds, 0 to \(maxAgeSeconds), got '\(s)'")
            }
            freshness.maxAgeMs = n * 1000
        }
        let genesisPath = try a.require("genesis")
        let genesis: Genesis
        do { genesis = try GenesisFile.load(path: genesisPath) } catch { throw UsageError("cannot read genesis \(genesisPath): \(error)") }
        let path = a.positionals[0]
        let bytes: [UInt8]
        if path == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let d = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read \(path)") }
            bytes = Array(d)
        }
        let json = a.value("output") == "json"
        let v: AnswerVerifier.Verdict
        do { v = try AnswerVerifier.verify(response: bytes, genesis: genesis, freshness: freshness) } catch let f as ProofFailure {
            throw CommandFailed("NOT PROVEN: \(f)", code: f.code)
        } catch {
            throw CommandFailed("NOT PROVEN: \(error)", code: ProofFailure.Reason.malformed.rawValue)
        }
        let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(v.time) / 1000))
        if json {
            var out: [String: Any] = ["proven": true, "route": v.route, "question": v.question, "height": v.height, "time": v.time,
                                      "blockHash": v.blockHash.hex, "provenKeys": v.provenKeys, "signers": v.signers,
                                      "validators": v.validators, "validatorSetChanges": v.validatorSetChanges]
            switch v.outcome {
            case .result(let r): out["result"] = (try? JSONSerialization.jsonObject(with: Data(r))) ?? NSNull()
            case .refused(let code, let message): out["refused"] = ["code": code, "message": message]
            }
            let d = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
            print(String(decoding: d, as: UTF8.self))
            return
        }
        print("PROVEN at height \(v.height) (block \(v.blockHash.hex), \(time)): certified by \(v.signers) of \(v.validators) validators\(v.validatorSetChanges > 0 ? " (the set reached through \(v.validatorSetChanges) certified change\(v.validatorSetChanges == 1 ? "" : "s") since genesis)" : ""), \(v.provenKeys) state entries proven against chain \(genesis.chainID)")
        print("question: \(v.question)")
        switch v.outcome {
        case .result(let r): print("answer: \(prettyJSON(r))")
        case .refused(let code, let message) where code == ProvableQuery.notFoundCode: print("answer: nothing is recorded (proven absent): \(message)")
        case .refused(let code, let message): print("answer: refused, \(code): \(message)")
        }
    }
}
