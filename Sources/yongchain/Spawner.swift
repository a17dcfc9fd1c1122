import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// Starting and stopping node processes.
enum Spawner {
    static func selfExecutable() throws -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { throw CommandFailed("cannot find my own executable") }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts `exe args` in its own session (so it outlives this process and its terminal's signals), with
    /// stdout and stderr appended to `log`.
    static func spawnDetached(_ exe: String, _ args: [String], log: String) throws -> pid_t {
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fa, 1, 2)
        // Nothing else of ours may leak into the node: an inherited pipe would keep whoever reads our output waiting.
        for fd in 3..<min(Int32(4096), Int32(getdtablesize())) where fcntl(fd, F_GETFD) != -1 {
            posix_spawn_file_actions_addclose(&fa, fd)
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(0x80) /* POSIX_SPAWN_SETSID */)
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &fa, &attr, argv, environ)
        guard rc == 0 else { throw CommandFailed("cannot start \(exe): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// The pid recorded in a pid file, if it names a process that could be ours: a number above 1. (A file
    /// saying 0 or -1 must never reach kill(2): those mean "my process group" and "every process I may signal".)
    static func readPid(_ path: String) -> pid_t? {
        guard let s = try? String(contentsOfFile: path, encoding: .utf8),
              let pid = pid_t(s.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else { return nil }
        return pid
    }

    /// Whether `pid` is a live process. A process killed with SIGKILL stays a zombie (state Z in /proc) until its
    /// parent reaps it, and kill(pid, 0) still succeeds for it; a zombie is not running.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard pid > 1, kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }

    /// SIGTERM, then SIGKILL after `grace` seconds. True if the process was running.
    @discardableResult
    static func stop(pid: pid_t, grace: Double) -> Bool {
        guard isRunning(pid) else { return false }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid || !isRunning(pid) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        return true
    }
}
