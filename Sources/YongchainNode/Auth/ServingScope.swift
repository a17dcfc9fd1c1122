import YongchainApplication
import YongchainStorage

/// How much of the chain's business a full node serves one caller (docs/confidentiality.md, "Full nodes serve each
/// caller only what it may see"), decided in the committed snapshot the answer is read from:
///
/// - `everything`: a member the chain records as running a full node, by its signed (or session) request or by
///   its node's TLS key — and anyone at all while no member runs a member node, since there is then nobody's
///   business to withhold from anyone the consortium lets reach its nodes (observers, tools);
/// - `own(member)`: a member that runs a member node: headers, and its own transactions (those the `parties` table
///   names it in);
/// - `headers`: a caller that names no member, once some member runs a member node.
enum ServingScope {
    case everything
    case own(Member)
    case headers

    /// The scope of `call`'s caller: the member its request authenticated as (an `optionalCaller` route), else the
    /// member whose node key its TLS connection presented.
    static func of(_ call: Call, _ state: ReadView) throws -> ServingScope {
        let members = try Governance.members(state)
        try state.checkReads()
        var caller: Member?
        if case .member(let m) = call.caller {
            caller = m
        } else if let bytes = call.request.peerPublicKey {
            caller = members.first { $0.publicKey.bytes == bytes }
        }
        if let caller { return caller.node == .full ? .everything : .own(caller) }
        return members.contains { $0.node != .full } ? .headers : .everything
    }
}
