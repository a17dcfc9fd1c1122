import YongchainCore

/// Cross-border trade finance: declaration commitments, financings, repayments, authorisations.
enum Trade {
    static let handlers: [TxHandler] = []
}
