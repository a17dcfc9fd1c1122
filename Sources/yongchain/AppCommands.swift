/// `yongchain property|mortgage|trade ...`: build, sign and submit the applications' transactions and run their
/// verification queries.
enum PropertyCommand { static func run(_ argv: [String]) throws { throw UsageError("property: not available yet") } }
enum MortgageCommand { static func run(_ argv: [String]) throws { throw UsageError("mortgage: not available yet") } }
enum TradeCommand { static func run(_ argv: [String]) throws { throw UsageError("trade: not available yet") } }
