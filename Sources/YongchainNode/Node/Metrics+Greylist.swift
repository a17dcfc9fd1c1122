extension Metrics {
    /// The names of `GreylistStats`'s counts as the metric's `event` label (docs/greylist.md, "Who sees what":
    /// totals only; no label names a member).
    static let greylistEvents: [(count: String, event: String)] = [
        ("reports", "report"), ("publications", "publication"), ("rejections", "rejection"), ("renewals", "renewal"),
        ("withdrawals", "withdrawal"), ("expiries", "expiry"), ("appeals", "appeal"), ("appealsUpheld", "appealUpheld"),
        ("checks", "check"), ("hits", "hit"), ("stopped", "stopped"),
    ]

    /// The grey-list's counts from committed state (`QueryService.greylistFigures`).
    static func render(greylist figures: [String: UInt64]) -> String {
        var s = "# HELP yongchain_greylist_events_total Grey-list events in committed state, by kind.\n# TYPE yongchain_greylist_events_total counter\n"
        for (count, event) in greylistEvents { s += "yongchain_greylist_events_total{event=\"\(event)\"} \(figures[count] ?? 0)\n" }
        s += "# HELP yongchain_greylist_entries Grey-list entries held (expired ones until swept).\n# TYPE yongchain_greylist_entries gauge\n"
        s += "yongchain_greylist_entries \(figures["entries"] ?? 0)\n"
        return s
    }
}
