import Foundation
import Synchronization
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// Whom this node talks to follows the member list of the committed state: members admitted by governance become
/// gossip peers and get the server's reserved connection slots, and TLS accepts exactly the members' node keys (a
/// removed member's handshakes fail from then on, and its address loses the reserved slots).
///
/// Thread rule: `refresh` runs at start and on the consensus queue after each commit; the list is under its lock.
final class MemberPeers: Sendable {
    private let members = Mutex<[MemberNode]>([])
    let application: Application
    let store: ChainStore
    let gossip: Gossip
    let tls: NodeTLS?
    let client: HTTPClient
    let reservedSlots: ReservedSlots
    let config: NodeConfig
    let genesis: Genesis
    let key: PublicKey?
    let health: NodeHealth
    let logger: Logger

    init(application: Application, store: ChainStore, gossip: Gossip, tls: NodeTLS?, client: HTTPClient,
         reservedSlots: ReservedSlots, config: NodeConfig, genesis: Genesis, key: PublicKey?, health: NodeHealth, logger: Logger) {
        self.application = application
        self.store = store
        self.gossip = gossip
        self.tls = tls
        self.client = client
        self.reservedSlots = reservedSlots
        self.config = config
        self.genesis = genesis
        self.key = key
        self.health = health
        self.logger = logger
    }

    /// The peers a node starts with: genesis's members' full nodes (but its own) and the config's `peers`. A member
    /// node is no gossip peer: proposals, votes and transactions travel among full nodes (docs/confidentiality.md).
    static func initialPeers(genesis: Genesis, config: NodeConfig) -> [PeerInfo] {
        var out: [PeerInfo] = []
        var seen = Set<String>()
        for o in genesis.organizations where o.name != config.moniker && o.node == .full {
            if let (h, p) = hostPort(url: o.address), seen.insert(o.address).inserted {
                out.append(PeerInfo(name: o.name, url: o.address, host: h, port: p))
            }
        }
        for u in config.peers where seen.insert(u).inserted {
            if let (h, p) = hostPort(url: u) { out.append(PeerInfo(name: u, url: u, host: h, port: p)) }
        }
        return out
    }

    static func hostPort(url: String) -> (String, UInt16)? {
        let scheme = url.hasPrefix("https://") ? 8 : 7
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { return nil }
        let rest = url.dropFirst(scheme).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return NodeConfig.split(rest)
    }

    /// Takes the member list of the committed state, and what follows from it when it changed.
    func refresh() {
        let list: [MemberNode]
        do { list = try store.read { try application.memberNodes(state: $0) } } catch {
            health.storageError(error, "reading the member list", logger: logger)
            return
        }
        let before = members.withLock { $0 }
        guard !list.isEmpty, list != before else { return }
        members.withLock { $0 = list }
        if let key, list.contains(where: { $0.publicKey == key }), !before.contains(where: { $0.publicKey == key }), genesis.organization(for: key) == nil {
            // Admitted: connections opened without this node's certificate would keep its gossip refused.
            client.closeIdleConnections()
            logger.info("governance", "this node's key is now a member's: it presents its certificate to peers")
        }
        var memberHosts: [String] = []
        for m in list where m.publicKey != key && m.name != config.moniker {
            if let (h, p) = Self.hostPort(url: m.address) {
                // A member node keeps its reserved slots (it syncs from here) but is sent no gossip, from the
                // commit that made it one (`member.setNode`) on.
                if m.node == .full { gossip.add(PeerInfo(name: m.name, url: m.address, host: h, port: p)) }
                gossip.setFullNode(url: m.address, m.node == .full)
                memberHosts.append(h)
            }
        }
        tls?.setMemberKeys(Set(list.map(\.publicKey.bytes)))
        // A removed member's address loses its reserved slots; an admitted one's gains them.
        reservedSlots.setHosts(config.reservedHosts(peerHosts: memberHosts + config.peers.compactMap { Self.hostPort(url: $0)?.0 }))
    }
}
