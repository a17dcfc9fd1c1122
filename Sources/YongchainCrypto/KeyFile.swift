import Foundation

/// Private keys on disk: PKCS#8 PEM, created with mode 0600, and refused when group or others can read them.
public enum KeyFile {
    /// Writes a new key file. Never overwrites an existing file.
    public static func write(_ key: PrivateKey, to path: String) throws {
        try writeProtected(key.pemPKCS8(), to: path)
    }

    /// Creates `path` with mode 0600 holding `text`, and syncs it. Never overwrites an existing file.
    static func writeProtected(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            let why = errno == EEXIST ? "the file already exists; refusing to overwrite a key" : String(cString: strerror(errno))
            throw CryptoError(code: "KEY_FILE_WRITE", message: "cannot create \(path): \(why)")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw CryptoError(code: "KEY_FILE_WRITE", message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a key file, refusing one that others can read (mode must be 0600 or stricter).
    public static func read(_ path: String) throws -> PrivateKey {
        try readKey(path, parse: PrivateKey.init(pem:))
    }

    /// The key in the file at `path`, read with `readProtected`'s checks and made by `parse`, whose errors name the file.
    static func readKey<Key>(_ path: String, parse: (String) throws -> Key) throws -> Key {
        let pem = try readProtected(path)
        do {
            return try parse(pem)
        } catch let e as CryptoError {
            throw CryptoError(code: e.code, message: "\(path): \(e.message)")
        }
    }

    /// The text of a secret file (any private key in PEM, e.g. a TLS key), with the checks `read` makes:
    /// KEY_FILE_MISSING, KEY_FILE_UNREADABLE, or KEY_FILE_PERMISSIONS if group or others may read it.
    public static func readProtected(_ path: String) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let e = errno
            // Missing is not the same as unreadable: a key another user owns (say, a container's uid) is there.
            throw CryptoError(code: e == ENOENT ? "KEY_FILE_MISSING" : "KEY_FILE_UNREADABLE",
                              message: "cannot read key file \(path): \(String(cString: strerror(e)))")
        }
        if st.st_mode & 0o077 != 0 {
            throw CryptoError(code: "KEY_FILE_PERMISSIONS",
                              message: "key file \(path) is readable by others (mode \(String(st.st_mode & 0o777, radix: 8))); run: chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CryptoError(code: "KEY_FILE_UNREADABLE",
                              message: "key file \(path) exists but this process (uid \(getuid())) cannot read it; it belongs to uid \(st.st_uid) with mode \(String(st.st_mode & 0o777, radix: 8)): run the node as its owner, or chown it to the node's user")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
