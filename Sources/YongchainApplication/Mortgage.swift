import YongchainCore

/// The mortgage registry: properties, applications, approvals, discharges, seizures.
enum Mortgage {
    static let handlers: [TxHandler] = []
}
