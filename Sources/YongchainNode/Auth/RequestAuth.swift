import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// Signed API requests (docs/api-auth.md). A caller signs, with its organisation's (or enterprise's) key,
/// `Domain.request.signingBytes(chainID, canonical(method, target, timestamp, nonce, D(body)))` and sends
/// the key, timestamp, nonce and signature in `X-Yongchain-*` headers. D follows the key's algorithm
/// (`SignatureSuite.digestSuite`): SHA-256 for an Ed25519 key, SM3 for an SM2 key.
public enum RequestAuth {
    public static let keyHeader = "X-Yongchain-Key"
    public static let timestampHeader = "X-Yongchain-Timestamp"
    public static let nonceHeader = "X-Yongchain-Nonce"
    public static let signatureHeader = "X-Yongchain-Signature"

    /// The canonical message a request signature covers. `target` is the request target exactly as sent
    /// (path and query, e.g. `/v1/mortgage/titles/verify?certificate=...`); `key` is the signer's suite.
    public static func message(method: String, target: String, timestampMs: Int64, nonce: String, body: [UInt8],
                               key: SignatureSuite) -> [UInt8] {
        var w = CanonicalWriter(capacity: 128 + target.utf8.count)
        w.string(method.uppercased())
        w.string(target)
        w.i64(timestampMs)
        w.string(nonce)
        w.hash(key.digestSuite.digest(body))
        return w.bytes
    }

    /// The client side: the four headers that authenticate `method target body` as `key`'s request on `chainID`.
    /// Callers MUST send `target` byte for byte as signed. The nonce is random unless given.
    public static func headers(method: String, target: String, body: [UInt8] = [], key: PrivateKey, chainID: String,
                               timestampMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000),
                               nonce: String = UUID().uuidString) -> [(String, String)] {
        let msg = message(method: method, target: target, timestampMs: timestampMs, nonce: nonce, body: body, key: key.suite)
        let sig = key.sign(Domain.request.signingBytes(chainID: chainID, message: msg))
        return [(keyHeader, key.publicKey.text), (timestampHeader, String(timestampMs)), (nonceHeader, nonce),
                (signatureHeader, Hex.encode(sig))]
    }
}

/// Limits of request authentication.
public struct RequestAuthLimits: Sendable, Equatable {
    /// How far a request's timestamp may be from the node's clock, either way (default 5 minutes).
    public var windowMs: Int64 = 300_000
    /// Longest nonce accepted, in bytes (default 64).
    public var maxNonceBytes: Int = 64
    /// Nonces remembered at once (default 200,000: far above a city's query rate over a 10-minute span). When full
    /// of nonces that are still inside the window, new requests are refused with 503 rather than risk a replay.
    public var replayCapacity: Int = 200_000

    public init(windowMs: Int64 = 300_000, maxNonceBytes: Int = 64, replayCapacity: Int = 200_000) {
        self.windowMs = windowMs
        self.maxNonceBytes = maxNonceBytes
        self.replayCapacity = replayCapacity
    }
}

/// The server side: checks a request's headers, freshness, key, signature and nonce, in that order, and
/// remembers nonces for as long as a request carrying them could still be fresh. Thread-safe.
public final class RequestVerifier: @unchecked Sendable {
    public let chainID: String
    public let limits: RequestAuthLimits
    private let lock = NSLock()
    /// key text + nonce → the time (ms) after which a request carrying it is stale anyway.
    private var seen: [String: Int64] = [:]
    private var insertsSincePrune = 0

    public init(chainID: String, limits: RequestAuthLimits = RequestAuthLimits()) {
        self.chainID = chainID
        self.limits = limits
    }

    /// The authenticated key, or the 401 (503 when the replay cache is full) to answer with. `isKnown` says
    /// whether a key may call this route at all; it is asked before the signature is checked and before the
    /// nonce is remembered, so unknown keys can neither cost a signature check nor fill the replay cache. What it
    /// throws (a failed read of who the key is) is thrown on, never turned into a refusal.
    func verify(method: String, target: String, headers: HTTPHeaders, body: [UInt8], nowMs: Int64,
                allowed: String = "a member organisation", isKnown: (PublicKey) throws -> Bool) rethrows -> Result<PublicKey, APIError> {
        let names = [RequestAuth.keyHeader, RequestAuth.timestampHeader, RequestAuth.nonceHeader, RequestAuth.signatureHeader]
        let values = names.map { headers[$0] }
        guard values.allSatisfy({ $0 != nil }) else {
            let missing = zip(names, values).filter { $0.1 == nil }.map(\.0).joined(separator: ", ")
            return .failure(APIError(NodeCode.authRequired, "this endpoint needs a signed request or an API session; missing \(missing) (see docs/api-auth.md)"))
        }
        guard let key = PublicKey(text: values[0]!) else {
            return .failure(APIError(NodeCode.authMalformed, "\(names[0]): a public key like \(SignatureSuite.keyTextForms)"))
        }
        guard let ts = Int64(values[1]!) else {
            return .failure(APIError(NodeCode.authMalformed, "\(names[1]): milliseconds since the Unix epoch"))
        }
        let nonce = values[2]!
        guard !nonce.isEmpty, nonce.utf8.count <= limits.maxNonceBytes else {
            return .failure(APIError(NodeCode.authMalformed, "\(names[2]): 1 to \(limits.maxNonceBytes) bytes"))
        }
        guard let sig = Hex.decode(values[3]!), !sig.isEmpty else {
            return .failure(APIError(NodeCode.authMalformed, "\(names[3]): the signature in hex"))
        }
        // Any Int64 may arrive here: subtract without overflowing (abs(Int64.min) would trap and stop the node).
        let (skew, overflow) = nowMs.subtractingReportingOverflow(ts)
        guard !overflow, skew.magnitude <= UInt64(max(limits.windowMs, 0)) else {
            return .failure(APIError(NodeCode.authStale, "the request timestamp \(ts) is more than \(limits.windowMs / 1000) s from the node's clock (\(nowMs)); check the caller's clock and sign a fresh request"))
        }
        guard try isKnown(key) else {
            return .failure(APIError(NodeCode.authUnknownKey, "key \(key.text) is not \(allowed), so it may not call this endpoint"))
        }
        let msg = RequestAuth.message(method: method, target: target, timestampMs: ts, nonce: nonce, body: body, key: key.suite)
        guard key.verify(signature: sig, message: Domain.request.signingBytes(chainID: chainID, message: msg)) else {
            return .failure(APIError(NodeCode.authBadSignature, "the signature does not cover this method, target, timestamp, nonce and body on chain \(chainID) with key \(key.keyID)"))
        }
        return remember(key.text + " " + nonce, expires: ts + limits.windowMs, nowMs: nowMs).map { key }
    }

    private func remember(_ id: String, expires: Int64, nowMs: Int64) -> Result<Void, APIError> {
        lock.lock()
        defer { lock.unlock() }
        if let until = seen[id], until >= nowMs {
            return .failure(APIError(NodeCode.authReplayed, "this nonce was already used by this key within the last \(limits.windowMs / 1000) s; sign each request with a new nonce"))
        }
        insertsSincePrune += 1
        if seen.count >= limits.replayCapacity || insertsSincePrune >= 4096 {
            seen = seen.filter { $0.value >= nowMs }
            insertsSincePrune = 0
        }
        guard seen.count < limits.replayCapacity else {
            return .failure(APIError(NodeCode.authBusy, "too many recent signed requests to remember safely; retry shortly"))
        }
        seen[id] = expires
        return .success(())
    }

    /// Nonces currently remembered (for tests and metrics).
    var remembered: Int { lock.withLock { seen.count } }
}
