import YongchainCore
import YongchainCrypto

/// `declaration/<number>`: a published declaration, with the value currently pledged against it and how many
/// financings ever pledged it (`declaration-pledge/<number>/1...pledges`).
struct DeclarationRecord: Sendable, Equatable, CanonicalCodable {
    var published: PublishedDeclaration
    /// Sum of the current pledges of all financings, in the declaration's minor units; never above its amount.
    var pledged: Int64
    var publishedAt: UInt64
    /// Length of the declaration's pledge list; it only grows.
    var pledges: UInt64 = 0

    var free: Int64 { published.amount.minorUnits - pledged }

    func encode(to w: inout CanonicalWriter) {
        w.item(published)
        w.i64(pledged)
        w.u64(publishedAt)
        w.u64(pledges)
    }

    init(published: PublishedDeclaration, pledged: Int64, publishedAt: UInt64) {
        self.published = published
        self.pledged = pledged
        self.publishedAt = publishedAt
    }

    init(from r: inout CanonicalReader) throws {
        published = try r.item(PublishedDeclaration.self)
        pledged = try r.i64("pledged")
        publishedAt = try r.u64("publishedAt")
        pledges = try r.u64("pledges")
        // What `free` and a financing's arithmetic rely on; only damage breaks it, and it must not trap the node.
        guard pledged >= 0, pledged <= published.amount.minorUnits else {
            throw EncodingError.invalid(r.path("pledged"), "\(pledged) is outside 0...\(published.amount.minorUnits), the declaration's amount")
        }
    }

    static func load(_ n: DeclarationNumber, _ state: StateReader) throws(DamagedRecord) -> DeclarationRecord? {
        try DamagedRecord.load(DeclarationRecord.self, StateKey.declaration(n), state)
    }
}
