/// Grey-list rejection codes (docs/greylist.md, "Codes"). Stable strings: clients match on them; never rename one.
extension Codes {
    public enum Greylist {
        /// No VRF key is in force yet: the grey-list is off.
        public static let off = "GREYLIST_OFF"
        /// A key version not in force, not the newest where the newest is required, or a check missing a version.
        public static let keyVersion = "GREYLIST_KEY_VERSION"
        /// `greylist.addVrfKey` while two key versions are already held.
        public static let keyLimit = "GREYLIST_KEY_LIMIT"
        /// `greylist.addVrfKey` of a key the ring holds or once held (retired): a VRF key is admitted once.
        public static let keyReused = "GREYLIST_KEY_REUSED"
        /// `greylist.retireKey` of a version that still has entries, pending reports or pending appeals.
        public static let keyInUse = "GREYLIST_KEY_IN_USE"
        /// `greylist.retireKey` of the newest version.
        public static let lastKey = "GREYLIST_LAST_KEY"
        /// A governance `greylist.addVrfKey` whose key is not a compressed P-256 point.
        public static let vrfKeyInvalid = "VRF_KEY_INVALID"
        /// A governance `greylist.addVrfKey` whose proof of possession is missing or not the key's over this chain's
        /// input (`GreylistKeyPossession`); also a pseudonym whose proof fails (clients).
        public static let vrfProofInvalid = "VRF_PROOF_INVALID"
        /// A proof that is not 81 well-formed bytes.
        public static let vrfProofMalformed = "VRF_PROOF_MALFORMED"
        public static let duplicateReport = "GREYLIST_DUPLICATE_REPORT"
        public static let reportLimit = "GREYLIST_REPORT_LIMIT"
        public static let unknownReport = "GREYLIST_UNKNOWN_REPORT"
        public static let reportClosed = "GREYLIST_REPORT_CLOSED"
        /// No entry for the subject (renew, withdraw, rekey, sweep).
        public static let notListed = "GREYLIST_NOT_LISTED"
        /// `greylist.renew` of an expired entry: it takes a new report.
        public static let entryExpired = "GREYLIST_ENTRY_EXPIRED"
        public static let appealPending = "GREYLIST_APPEAL_PENDING"
        public static let appealLimit = "GREYLIST_APPEAL_LIMIT"
        public static let unknownAppeal = "GREYLIST_UNKNOWN_APPEAL"
        public static let appealClosed = "GREYLIST_APPEAL_CLOSED"
        /// The bank's checks this day (UTC+8) are at `maxChecksPerBankPerDay`.
        public static let checkLimit = "GREYLIST_CHECK_LIMIT"
        /// No such check record, not the caller's, or swept.
        public static let unknownCheck = "UNKNOWN_CHECK"
        public static let outcomeRecorded = "GREYLIST_OUTCOME_RECORDED"
        /// A check's answer asked after `checkAnswerWindowMs` (route 3, never a transaction).
        public static let checkExpired = "CHECK_EXPIRED"
        /// `stopped` recorded for a check that was no hit.
        public static let notAHit = "GREYLIST_NOT_A_HIT"
        /// A sweep names an entry not yet expired or a check record younger than its lifetime.
        public static let notExpired = "GREYLIST_NOT_EXPIRED"

        /// Every grey-list code a transaction can be refused with, for documentation and API descriptions.
        public static let all = [
            off, keyVersion, keyLimit, keyReused, keyInUse, lastKey, vrfKeyInvalid, vrfProofInvalid, vrfProofMalformed, duplicateReport, reportLimit, unknownReport, reportClosed,
            notListed, entryExpired, appealPending, appealLimit, unknownAppeal, appealClosed, checkLimit, unknownCheck,
            outcomeRecorded, notAHit, notExpired,
        ]
    }
}
