import YongchainCore
import YongchainCrypto

/// A published declaration in state, with the value currently pledged against it.
struct DeclarationRecord: Sendable, Equatable, CanonicalCodable {
    var published: PublishedDeclaration
    /// Sum of the current pledges of all financings, in the declaration's minor units; never above its amount.
    var pledged: Int64
    var publishedAt: UInt64

    var free: Int64 { published.amount.minorUnits - pledged }

    func encode(to w: inout CanonicalWriter) {
        w.item(published)
        w.i64(pledged)
        w.u64(publishedAt)
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
    }

    static func load(_ n: DeclarationNumber, _ state: StateReader) -> DeclarationRecord? {
        state.get(StateKey.declaration(n)).flatMap { try? DeclarationRecord(canonical: $0) }
    }
}
