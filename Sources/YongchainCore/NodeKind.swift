/// What an organisation's node holds (docs/confidentiality.md, "Two kinds of node"): `full` holds every
/// transaction and the whole state; `member` holds every header with its certificate, the validator-set chain and
/// the transactions its organisation is a party to, and checks everything else it is told by proof. A validator
/// runs a full node.
public enum NodeKind: String, Sendable, Codable, CaseIterable {
    case full
    case member
}
