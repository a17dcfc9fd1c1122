/// The VRF key on disk, with the same rules as a signing key: created 0600, never overwritten, refused when
/// group or others can read it.
extension KeyFile {
    /// Writes a new VRF key file (PKCS#8 PEM). Never overwrites an existing file.
    public static func write(_ key: VRFPrivateKey, to path: String) throws {
        try writeProtected(key.pemPKCS8(), to: path)
    }

    /// Reads a VRF key file, refusing one that others can read (mode must be 0600 or stricter).
    public static func readVRF(_ path: String) throws -> VRFPrivateKey {
        try readKey(path, parse: VRFPrivateKey.init(pem:))
    }
}
