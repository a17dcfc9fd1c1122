import Foundation

/// For tests only: when the environment names `YONGCHAIN_TEST_RECEIVED_BYTES`, every byte this process reads from
/// a connection (plain TCP, or TLS once decrypted), as client or server, is appended to that file — so an end-to-end
/// test can search all that a node received over the network (docs/confidentiality.md: a member node receives none
/// of another party's transaction bodies). Unset, nothing is written and the cost is one check per read.
enum ReceivedBytesDump {
    private static let file: FileHandle? = {
        guard let path = ProcessInfo.processInfo.environment["YONGCHAIN_TEST_RECEIVED_BYTES"], !path.isEmpty else { return nil }
        guard FileManager.default.fileExists(atPath: path) || FileManager.default.createFile(atPath: path, contents: nil),
              let h = FileHandle(forWritingAtPath: path) else { return nil }
        h.seekToEndOfFile()
        return h
    }()
    private static let lock = NSLock()

    static func record(_ buffer: UnsafeMutableRawBufferPointer, _ count: Int) {
        guard let file, count > 0, let base = buffer.baseAddress else { return }
        let data = Data(bytes: base, count: count)
        lock.withLock { file.write(data) }
    }
}
