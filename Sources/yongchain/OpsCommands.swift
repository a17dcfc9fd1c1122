/// Operator commands that work on a node's home directory: backup, restore, verify.
enum BackupCommand { static func run(_ argv: [String]) throws { throw UsageError("backup: not available yet") } }
enum RestoreCommand { static func run(_ argv: [String]) throws { throw UsageError("restore: not available yet") } }
enum VerifyCommand { static func run(_ argv: [String]) throws { throw UsageError("verify: not available yet") } }
