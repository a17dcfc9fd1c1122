import YongchainHTTP

/// A request's authentication headers (docs/api-auth.md): the session scheme's three and the signed scheme's four,
/// each its first value, found in one pass over the request's fields. Looked up one by one, a session request's ten
/// look-ups walked its fields ten times, about 3,000 instructions on every session request.
struct CredentialHeaders {
    var session, seq, mac: String?
    var key, timestamp, nonce, signature: String?

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            func take(_ slot: inout String?, _ header: String) -> Bool {
                guard HTTPHeaders.sameName(name, header) else { return false }
                if slot == nil { slot = value }
                return true
            }
            // Only a name as long as one of the seven is compared byte by byte.
            switch name.utf8.count {
            case 15: _ = take(&seq, SessionAuth.seqHeader) || take(&mac, SessionAuth.macHeader) || take(&key, RequestAuth.keyHeader)
            case 17: _ = take(&nonce, RequestAuth.nonceHeader)
            case 19: _ = take(&session, SessionAuth.sessionHeader)
            case 21: _ = take(&timestamp, RequestAuth.timestampHeader) || take(&signature, RequestAuth.signatureHeader)
            default: continue
            }
        }
    }

    /// Whether the request carries any session header: it is then judged as a session request only.
    var isSession: Bool { session != nil || seq != nil || mac != nil }

    /// The first of the signed scheme's headers the request carries, in the order docs/api-auth.md lists them.
    var signedSchemeHeader: String? {
        if key != nil { return RequestAuth.keyHeader }
        if timestamp != nil { return RequestAuth.timestampHeader }
        if nonce != nil { return RequestAuth.nonceHeader }
        if signature != nil { return RequestAuth.signatureHeader }
        return nil
    }
}
