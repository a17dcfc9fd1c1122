/// Trade-finance rejection codes. Stable strings: clients match on them; never rename one.
/// Nested so another area's codes of the same Swift name cannot collide with these.
extension Codes {
    public enum Trade {
        /// The signer of a grant / revoke is not a registered enterprise's key.
        public static let notEnterprise = "NOT_ENTERPRISE"
        /// A named exporter / enterprise is not registered.
        public static let unknownEnterprise = "UNKNOWN_ENTERPRISE"
        /// A named bank is not a bank member.
        public static let unknownBank = "UNKNOWN_BANK"
        /// A declaration number is published twice (in one batch or across batches).
        public static let duplicateDeclaration = "DUPLICATE_DECLARATION"
        /// The declaration is unknown, or the fields the bank holds do not match the published commitment.
        public static let fakeDeclaration = "FAKE_DECLARATION"
        /// The declaration has no free value left: it is fully pledged (at this or another bank).
        public static let duplicateFinancing = "DUPLICATE_FINANCING"
        /// A pledge exceeds the declaration's free value, or the financing exceeds the value pledged.
        public static let excessFinancing = "EXCESS_FINANCING"
        /// The declaration's exporter is not the financing's exporter.
        public static let exporterMismatch = "EXPORTER_MISMATCH"
        /// Amounts in different currencies where one currency is required.
        public static let currencyMismatch = "CURRENCY_MISMATCH"
        public static let unknownFinancing = "UNKNOWN_FINANCING"
        /// Only the bank that recorded a financing may repay it.
        public static let notFinancingBank = "NOT_FINANCING_BANK"
        public static let repayExceedsOutstanding = "REPAY_EXCEEDS_OUTSTANDING"
        /// No authorisation from this enterprise to this bank (never granted, or revoked).
        public static let notAuthorized = "NOT_AUTHORIZED"
        /// The authorisation's expiry has passed, or a grant's expiry is not in the future.
        public static let authorizationExpired = "AUTHORIZATION_EXPIRED"
        /// A credit query id that is not a logged query of the asking bank.
        public static let unknownQuery = "UNKNOWN_QUERY"
        /// A logged credit query older than the answer window.
        public static let queryExpired = "QUERY_EXPIRED"

        /// A running total (an exporter's financed amount with one bank and currency) would leave 64 bits.
        public static let amountOutOfRange = "AMOUNT_OUT_OF_RANGE"

        /// Every trade code, for documentation and API descriptions.
        public static let all = [
            notEnterprise, unknownEnterprise, unknownBank, duplicateDeclaration, fakeDeclaration, duplicateFinancing,
            excessFinancing, exporterMismatch, currencyMismatch, unknownFinancing, notFinancingBank,
            repayExceedsOutstanding, notAuthorized, authorizationExpired, unknownQuery, queryExpired, amountOutOfRange,
        ]
    }
}
