import Foundation
import YongchainCore
import YongchainCrypto

/// What one organisation hands the genesis coordinator: everything genesis lists about it, and nothing secret.
/// `yongchain org init` writes it next to the key it creates; `yongchain genesis assemble` reads one per member.
struct MemberCard: Codable, Equatable {
    static let kindV1 = "yongchain-member-card/v1"
    /// Largest card file read: a card is a few hundred bytes.
    static let maxFileBytes = 16 * 1024

    var kind: String
    var name: String
    var role: Role
    var authorities: [Authority]
    var publicKey: String
    var address: String
    var power: UInt64

    var organization: Organization {
        Organization(name: name, role: role, authorities: authorities, publicKey: PublicKey(text: publicKey)!, address: address, power: power)
    }

    /// Refuses a card genesis could not hold, with MEMBER_CARD_INVALID naming the file and the field.
    func validate(source: String) throws {
        if let p = problem() { throw CommandFailed("\(source): \(p.field): \(p.why)", code: "MEMBER_CARD_INVALID") }
    }

    /// The first field genesis could not hold, and why.
    func problem() -> (field: String, why: String)? {
        guard kind == MemberCard.kindV1 else { return ("kind", "expected \(MemberCard.kindV1), not '\(kind)'") }
        if let why = MemberCard.nameProblem(name) { return ("name", why) }
        do { _ = try PublicKey(validatingText: publicKey) } catch let e as CryptoError { return ("publicKey", e.message) } catch { return ("publicKey", "\(error)") }
        if let why = MemberCard.addressProblem(address) { return ("address", why) }
        if let a = authorities.first(where: { !Authority.allowed(for: role).contains($0) }) {
            return ("authorities", "a \(role.rawValue) cannot hold \(a.rawValue) (\(Authority.describe(role)))")
        }
        if role == .registry && authorities.isEmpty { return ("authorities", Authority.describe(.registry)) }
        guard Set(authorities).count == authorities.count else { return ("authorities", "an authority is listed twice") }
        guard power <= Genesis.maxPower else { return ("power", "0 to \(Genesis.maxPower)") }
        return nil
    }

    /// Names become container, project and directory names: lowercase letters, digits and '-'.
    static func nameProblem(_ name: String) -> String? {
        guard (1...64).contains(name.utf8.count),
              name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }),
              name.first?.isLetter == true else {
            return "1 to 64 lowercase letters, digits or '-', starting with a letter, not '\(name)'"
        }
        return nil
    }

    /// A member's address is where the other members reach its node: http://HOST:PORT, nothing after the port.
    static func addressProblem(_ address: String) -> String? {
        let why = "https://HOST:PORT or http://HOST:PORT (where the other members reach this node), not '\(address)'"
        let scheme = address.hasPrefix("https://") ? "https://" : "http://"
        guard address.hasPrefix(scheme) else { return why }
        let rest = address.dropFirst(scheme.count)
        guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]), port > 0 else { return why }
        let host = rest[..<colon]
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else { return why }
        return nil
    }

    static func load(_ path: String) throws -> MemberCard {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw CommandFailed("cannot read member card \(path)", code: "MEMBER_CARD_MISSING")
        }
        guard (attrs[.size] as? Int ?? 0) <= maxFileBytes, let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailed("\(path): not a member card (unreadable, or larger than \(maxFileBytes) bytes)", code: "MEMBER_CARD_INVALID")
        }
        let card: MemberCard
        do {
            card = try JSONDecoder().decode(MemberCard.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw CommandFailed("\(path): \(key.stringValue): missing", code: "MEMBER_CARD_INVALID")
        } catch let DecodingError.dataCorrupted(c) {
            throw CommandFailed("\(path): \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)", code: "MEMBER_CARD_INVALID")
        } catch let DecodingError.typeMismatch(_, c) {
            throw CommandFailed("\(path): \(c.codingPath.map(\.stringValue).joined(separator: ".")): wrong type", code: "MEMBER_CARD_INVALID")
        } catch {
            throw CommandFailed("\(path): not a member card JSON document", code: "MEMBER_CARD_INVALID")
        }
        try card.validate(source: path)
        return card
    }

    func write(_ path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (e.encode(self) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
    }
}

/// The user the image's node runs as (docker/Dockerfile: `useradd --uid 10001`). A key file mounted into the
/// container must be readable by it.
enum ContainerUser {
    static let uid: uid_t = 10001

    /// Whether uid 10001 can read `path` as it is now: it owns the file with the owner's read bit set. (A key
    /// must be 0600, so group or other read bits never help: the node refuses such a key.)
    static func canRead(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return st.st_uid == uid && st.st_mode & 0o400 != 0
    }

    /// Makes `path` readable by the container's user if this process may (root), keeping mode 0600. Returns the
    /// warning to print when it cannot, naming the command that fixes it.
    static func handOver(_ paths: [String]) -> String? {
        var unreadable: [String] = []
        for p in paths {
            if !canRead(p), geteuid() == 0 { _ = chown(p, uid, uid) }
            if !canRead(p) { unreadable.append(p) }
        }
        guard !unreadable.isEmpty else { return nil }
        return """
        warning: the container runs as uid \(uid) and will not be able to read \(unreadable.joined(separator: ", ")) \
        (owned by uid \(getuid()), mode 0600): the node would stop with KEY_FILE_UNREADABLE. Before starting it, run: \
        sudo chown \(uid):\(uid) \(unreadable.joined(separator: " ")) (or run this command as root, which does that)
        """
    }
}
