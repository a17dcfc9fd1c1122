import YongchainHTTP

/// `GET /`: a small self-contained HTML status page.
enum StatusPage {
    static func render(node: Node) -> HTTPResponse { .text(200, "Yongchain node \(node.config.moniker)") }
}
