import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// What a Java or Go developer trips over (issue 31), each pinned to the node's behaviour as docs/transactions.md
/// and docs/http.md state it. Run against the vector chain's node, through its HTTP router.
@Suite(.serialized) struct IntegratorContractTests {
    var chain: VectorChain { get throws { try ProofAnswerVectorTests.build().chain } }

    func post(_ c: VectorChain, _ target: String, _ body: [UInt8], as key: PrivateKey? = nil) -> (status: Int, json: [String: Any]) {
        let r = key.map { c.ask("POST", target, body: body, as: $0) } ?? c.post(target, body)
        return (r.status, (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:])
    }

    /// A committed transaction sent again: with `?wait=commit` the answer is its outcome, as the first time (so a
    /// retry after a timeout is safe and says what happened); without wait, this node says it was a replay.
    @Test func aRetryThatWaitsGetsTheCommittedOutcomeAndOneThatDoesNotGets409() throws {
        let c = try chain
        let tx = try #require(c.committed.first)
        let body = JSON.encode(TransactionJSON(tx))
        let waited = post(c, "/v1/txs?wait=commit", body)
        #expect(waited.status == 200 && waited.json["hash"] as? String == tx.hash(on: VectorChain.chain).hex
                && waited.json["code"] as? String == "OK" && waited.json["height"] as? Int == 1, "\(waited)")
        let replay = post(c, "/v1/txs", body)
        #expect(replay.status == 409 && (replay.json["error"] as? [String: Any])?["code"] as? String == "TX_ALREADY_COMMITTED", "\(replay)")
    }

    /// A nonce is the decimal digits of a u64: up to 2^64 − 1 (a Java long prints those negative), no sign.
    @Test func aNonceIsTheDigitsOfAnUnsigned64BitNumber() throws {
        let tx = try #require(try chain.committed.first)
        for (nonce, ok) in [("18446744073709551615", true), ("9223372036854775808", true), ("0", true), ("18446744073709551616", false),
                            ("-1", false), ("+5", false), (" 5", false), ("5.0", false), ("", false)] {
            var j = TransactionJSON(tx)
            j.nonce = nonce
            #expect(((try? j.transaction()) != nil) == ok, "nonce '\(nonce)'")
        }
    }

    /// Integers are written as integers: a decoder would read 100000.000000000000001 as 100000 and match the
    /// held fields; the node refuses it (and 1000.0, 1e5) as MALFORMED_JSON.
    @Test func numbersInARequestBodyAreIntegersWrittenAsIntegers() throws {
        let c = try chain
        let fields = String(decoding: try SortedJSON.encode(VectorChain.declaration(1, 100_000)), as: UTF8.self)
        func precheck(_ f: String) -> (status: Int, json: [String: Any]) {
            post(c, "/v1/trade/precheck", Array(#"{"declarations":[{"fields":\#(f),"number":"223120200000000001"}]}"#.utf8), as: VectorChain.bankB)
        }
        let good = precheck(fields)
        #expect(good.status == 200 && ((good.json["result"] as? [String: Any])?["declarations"] as? [[String: Any]])?.first?["fieldsMatch"] as? Bool == true, "\(good)")
        for bad in [fields.replacingOccurrences(of: "100000", with: "100000.000000000000001"),
                    fields.replacingOccurrences(of: "100000", with: "100000.0"), fields.replacingOccurrences(of: "100000", with: "1e5"),
                    fields.replacingOccurrences(of: "20200315", with: "20200315.0")] {
            let r = precheck(bad)
            #expect(r.status == 400 && (r.json["error"] as? [String: Any])?["code"] as? String == "MALFORMED_JSON", "\(bad): \(r)")
        }
    }

    /// Text is compared as its exact bytes, never normalised: a title asked in another normal form (here a CJK
    /// compatibility ideograph, which NFC itself rewrites) does not match, and a lone surrogate is refused.
    @Test func textIsComparedByteForByteNeverNormalised() throws {
        let c = try chain
        func verify(_ title: String) -> [String: Any] {
            let target = "/v1/mortgage/titles/verify?certificate=\(ProofAnswerVectorTests.pct(title))&owner=\(VectorChain.ownerCommitment.hex)"
            let answer = (try? JSONSerialization.jsonObject(with: Data(c.ask("GET", target, as: VectorChain.bankB).body))) as? [String: Any]
            return answer?["result"] as? [String: Any] ?? [:]
        }
        #expect(verify(VectorChain.title)["match"] as? Bool == true)
        let other = VectorChain.title.replacingOccurrences(of: "苏", with: "\u{F9DC}")  // not canonically equal: a control case
        #expect(verify(other)["match"] as? Bool == false)
        let nfd = VectorChain.title + "e\u{301}", nfc = VectorChain.title + "\u{E9}"
        #expect(nfd == nfc && Array(nfd.utf8) != Array(nfc.utf8), "Swift's String == is canonical equivalence, bytes differ")
        #expect(verify(nfd)["match"] as? Bool == false && verify(nfc)["match"] as? Bool == false)
        let surrogate = post(c, "/v1/trade/precheck", Array(#"{"declarations":[{"number":"22312020000000000\ud800"}]}"#.utf8), as: VectorChain.bankB)
        #expect(surrogate.status == 400 && (surrogate.json["error"] as? [String: Any])?["code"] as? String == "MALFORMED_JSON", "\(surrogate)")
    }

    /// Two organisations whose names differ only in Unicode normal form are two names, in genesis as on chain.
    @Test func namesThatDifferInNormalFormAreDifferentNames() throws {
        var g = VectorChain.genesis
        g.organizations[1].name = "Zo\u{EB} Bank"
        g.organizations[2].name = "Zoe\u{308} Bank"
        #expect(g.organizations[1].name == g.organizations[2].name, "equal as Swift Strings")
        try g.validate()
        g.organizations[2].name = "Zo\u{EB} Bank"
        #expect(throws: GenesisError.self) { try g.validate() }
    }
}
