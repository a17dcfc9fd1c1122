/// `yongchain demo`: a local cluster running the seed flows end to end.
enum DemoCommand { static func run(_ argv: [String]) throws { throw UsageError("demo: not available yet") } }
