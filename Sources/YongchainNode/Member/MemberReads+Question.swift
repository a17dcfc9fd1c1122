import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// Whether a proven answer answers the question the bank asked. A proof shows what the chain says about *its*
/// question (`proof.query`), so a full node could answer "what encumbers unit X?" with a genuine proof about unit Y;
/// the member node reads the question again from the bank's request, as the full node's route does, and compares
/// it whole (the pre-check's declarations and amounts, the pages' cursors and limits too). Fail-closed: a request
/// this cannot read is no match.
extension MemberReads {
    static func answers(_ q: ProvableQuery, _ req: HTTPRequest, bank: PublicKey) -> Bool {
        let s = req.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func at(_ prefix: [String], count: Int) -> Bool { s.count == count && Array(s.prefix(prefix.count)) == prefix }
        let get = req.method == "GET" || req.method == "HEAD"
        switch q {
        case .encumbrances(let u):
            return get && at(["", "v1", "mortgage", "units"], count: 6) && s[5] == "encumbrances" && (try? UnitNumber(s[4])) == u
        case .mortgageCertificate(let n):
            return get && at(["", "v1", "mortgage", "certificates"], count: 5) && s[4] == n
        case .mortgageApplication(let id):
            return get && at(["", "v1", "mortgage", "applications"], count: 5) && Hash(hex: s[4]) == id
        case .titleVerification(let certificate, let owner):
            return get && req.path == "/v1/mortgage/titles/verify" && req.query["certificate"] == certificate
                && req.query["owner"].flatMap { try? QueryService.owner($0) } == owner
        case .precheck(let r):
            return req.method == "POST" && req.path == "/v1/trade/precheck" && (try? JSONDecoder().decode(PrecheckRequest.self, from: Data(req.body))) == r
        case .creditRecord(let e, let queryID, let asker, let page):
            guard get, at(["", "v1", "trade", "enterprises"], count: 6), s[5] == "credit-record", (try? CreditCode(s[4])) == e,
                  asker == bank, Hash(hex: req.query["queryId"] ?? req.query["query"] ?? "") == queryID else { return false }
            return page == CreditRecordPage(declarationsAfter: req.query["declarationsAfter"], financingsAfter: req.query["financingsAfter"],
                                            limit: limit(req) ?? -1)
        case .creditQueries(let e, let after, let l):
            return get && at(["", "v1", "trade", "enterprises"], count: 6) && s[5] == "queries" && (try? CreditCode(s[4])) == e
                && after == req.query["after"] && limit(req) == l
        case .member:
            return false  // not a bank's verification read: a member node does not forward it
        case .greylistCheck(let id, let asker):
            return get && at(["", "v1", "greylist", "checks"], count: 5) && Hash(hex: s[4]) == id && asker == bank
        }
    }

    /// The page size the full node's route reads (`limit`, the trade routes' default when absent).
    private static func limit(_ req: HTTPRequest) -> Int? {
        guard let text = req.query["limit"] else { return TradeLimits.defaultPageSize }
        return Int(text, radix: 10)
    }
}
