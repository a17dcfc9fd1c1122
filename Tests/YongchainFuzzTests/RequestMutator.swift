import Foundation
import YongchainCrypto
import YongchainNode
import YongchainTestSupport

/// Structure-aware mutations of a `FuzzRequest`: query parameters and path components get edge values (most
/// often), parameters are added, dropped or repeated, the method changes, the body is mutated as JSON or as bytes,
/// and the authentication headers get edge values.
enum RequestMutator {
    /// Every query parameter some route reads. Any of them may turn up on any route, with an edge value.
    static let parameters = ["limit", "before", "from", "minHeight", "timeoutMs", "wait", "after", "queryId", "query",
                             "declarationsAfter", "financingsAfter", "certificate", "owner", "idType", "id"]
    static let methods = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "get", "CONNECT"]

    static func mutate(_ r: inout FuzzRequest, _ rng: inout SplitMix64, tip: UInt64, steps: Int, bodies: [[UInt8]]) {
        for _ in 0..<steps {
            switch rng.int(0...19) {
            case 0...5 where !r.query.isEmpty:  // an edge value for a parameter
                let i = rng.int(0...r.query.count - 1)
                r.query[i].1 = rng.chance(0.9) ? URLText.numberLike(&rng, tip: tip) : nil
            case 0...7:  // add any parameter, with an edge value
                let name = rng.chance(0.9) ? rng.pick(parameters) : URLText.stringLike(&rng, tip: tip)
                let value = name == "wait" && rng.chance(0.5) ? "commit" : URLText.numberLike(&rng, tip: tip)
                r.query.insert((name, value), at: rng.int(0...r.query.count))
            case 8 where !r.query.isEmpty:
                r.query.remove(at: rng.int(0...r.query.count - 1))
            case 9 where !r.query.isEmpty:  // the same parameter twice, with different values
                let p = rng.pick(r.query)
                r.query.append((p.0, URLText.numberLike(&rng, tip: tip)))
            case 10...13 where !r.path.isEmpty:  // an edge path component (the last ones are the variable ones)
                let i = rng.chance(0.7) ? r.path.count - 1 : rng.int(0...r.path.count - 1)
                r.path[i] = URLText.stringLike(&rng, tip: tip)
            case 14:
                if rng.chance(0.5) || r.path.isEmpty { r.path.append(URLText.stringLike(&rng, tip: tip)) } else { r.path.removeLast() }
            case 15:
                r.method = rng.pick(methods)
            case 16, 17:  // the body: as JSON, as bytes, another route's, or none
                switch rng.int(0...5) {
                case 0...2: r.body = JSONMutator.mutate(r.body, &rng)
                case 3: r.body = ByteMutator.mutate(r.body, &rng, others: bodies)
                case 4 where !bodies.isEmpty: r.body = rng.pick(bodies)
                default: r.body = rng.chance(0.5) ? [] : Edge.string(&rng)
                }
            case 18:  // a header with an edge value, or a Content-Length that lies
                if rng.chance(0.5) {
                    r.headerEdits.append(("Content-Length", rng.chance(0.5) ? Edge.integerText(&rng) : String(max(0, r.body.count + rng.int(-3...3)))))
                } else {
                    r.headerEdits.append((rng.pick(["X-Yongchain-Foo", "Content-Type", "Expect", "Connection", "Transfer-Encoding", "Host"]),
                                          String(decoding: Edge.string(&rng).filter { $0 >= 0x20 && $0 < 0x7F }, as: UTF8.self)))
                }
            default:
                mutateAuth(&r, &rng)
            }
        }
    }

    /// Edge values for the authentication headers: timestamps (the signature still covers the value the node will
    /// read), keys, nonces, signatures, session ids, sequence numbers and MACs; headers dropped or mixed.
    static func mutateAuth(_ r: inout FuzzRequest, _ rng: inout SplitMix64) {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        switch r.auth {
        case .none:
            r.auth = rng.chance(0.6) ? .signed(caller: rng.int(0...4), timestamp: nil, nonce: nonce(&rng)) : .session(caller: rng.int(0...3), seq: nil)
        case .signed(let caller, let ts, let n):
            switch rng.int(0...9) {
            case 0...3:
                r.auth = .signed(caller: caller, timestamp: Edge.integerText(&rng), nonce: n)
            case 4:
                let window = Int64(300_000)
                r.auth = .signed(caller: caller, timestamp: String(now + rng.pick([-window - 1, -window + 1000, window - 1000, window + 1])), nonce: n)
            case 5:
                r.auth = .signed(caller: caller, timestamp: ts, nonce: String(decoding: Edge.string(&rng).filter { $0 >= 0x20 && $0 < 0x7F }, as: UTF8.self))
            case 6:
                r.headerEdits.append((RequestAuth.keyHeader, rng.pick([FuzzWorld.stranger.publicKey.text, "ed25519:00", "ed25519:", "x25519:" + String(repeating: "1", count: 64),
                                                                      "ED25519:" + String(repeating: "a", count: 64), Edge.integerText(&rng)])))
            case 7:
                r.headerEdits.append((RequestAuth.signatureHeader, rng.pick(["", "0", "zz", String(repeating: "0", count: 128), String(repeating: "f", count: 129),
                                                                            String(repeating: "ab", count: 5000)])))
            case 8:
                r.headerEdits.append((rng.pick([RequestAuth.keyHeader, RequestAuth.timestampHeader, RequestAuth.nonceHeader, RequestAuth.signatureHeader]), nil))
            default:
                r.headerEdits.append((rng.pick([SessionAuth.sessionHeader, SessionAuth.seqHeader, SessionAuth.macHeader]), "1"))
            }
        case .session(let caller, _):
            switch rng.int(0...5) {
            case 0...2:
                r.auth = .session(caller: caller, seq: rng.chance(0.8) ? Edge.integer(&rng) : 0)
            case 3:
                r.headerEdits.append((SessionAuth.seqHeader, Edge.integerText(&rng)))
            case 4:
                r.headerEdits.append((SessionAuth.sessionHeader, rng.pick(["", "0", String(repeating: "0", count: 32), String(repeating: "g", count: 32), Edge.integerText(&rng)])))
            default:
                r.headerEdits.append((rng.pick([SessionAuth.macHeader, RequestAuth.timestampHeader]), Edge.integerText(&rng)))
            }
        }
    }

    static func nonce(_ rng: inout SplitMix64) -> String { String(rng.next(), radix: 36) }
}
