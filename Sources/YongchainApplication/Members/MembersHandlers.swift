import YongchainCore
import YongchainCrypto

/// Enterprises (exporters, companies) registered by a registry with their own public keys, so their consent is a
/// signature nobody else can forge.
public enum Identity {
    static let handlers: [TxHandler] = [
        .make(RegisterEnterprise.self, check: { _, tx, state in
            if case .failure(let r) = Member.requireRegistry(tx.signer, .trade, state) { return r }
            return nil
        }, execute: { p, tx, ctx, state in
            if state.get(StateKey.enterprise(p.creditCode)) != nil {
                return .reject(Codes.alreadyRegistered, "enterprise \(p.creditCode) is already registered")
            }
            if state.get(StateKey.enterpriseKey(p.publicKey)) != nil || state.get(StateKey.member(p.publicKey)) != nil {
                return .reject(Codes.keyInUse, "that public key already belongs to another party")
            }
            let e = Enterprise(creditCode: p.creditCode, name: p.name, publicKey: p.publicKey, registeredAt: ctx.height)
            state.set(StateKey.enterprise(p.creditCode), e.canonicalBytes)
            state.set(StateKey.enterpriseKey(p.publicKey), Array(p.creditCode.value.utf8))
            return .ok
        }),
    ]

    /// The enterprise holding `code`, if registered.
    public static func enterprise(_ code: CreditCode, _ state: StateReader) -> Enterprise? {
        state.get(StateKey.enterprise(code)).flatMap { try? Enterprise(canonical: $0) }
    }

    /// The enterprise whose registered key is `key`, if any: the node authenticates an enterprise's API requests.
    public static func enterprise(key: PublicKey, state: StateReader) -> Enterprise? {
        state.get(StateKey.enterpriseKey(key)).flatMap { try? CreditCode(String(decoding: $0, as: UTF8.self)) }.flatMap { enterprise($0, state) }
    }
}
