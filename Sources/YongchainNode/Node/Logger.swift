import Foundation

/// Structured logs: JSON lines (default) or text, with level, component and height.
public final class Logger: @unchecked Sendable {
    public enum Level: Int, Comparable, Sendable {
        case debug = 0, info, warn, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public init?(name: String) {
            switch name {
            case "debug": self = .debug
            case "info": self = .info
            case "warn", "warning": self = .warn
            case "error": self = .error
            default: return nil
            }
        }
        var name: String { ["debug", "info", "warn", "error"][rawValue] }
    }

    public enum Format: String, Sendable { case json, text }

    let level: Level
    let format: Format
    private let lock = NSLock()
    /// The file the process's stdout and stderr go to (`write(to:)`), reopened by `reopen()`; nil: inherited.
    private var path: String?

    public init(level: Level = .info, format: Format = .json) {
        self.level = level
        self.format = format
    }

    /// From now on the process's stdout and stderr — these log lines, and anything the runtime prints, such as a
    /// crash report — are appended to `path` (created 0644 if absent).
    public func write(to path: String) throws {
        try lock.withLock {
            try Logger.redirect(to: path)
            self.path = path
        }
    }

    /// Opens the log file again by its name, so that a file renamed by logrotate (or by hand) is left alone and
    /// a new one is started; the node calls it on SIGHUP. Returns the path, or nil when there is no log file.
    @discardableResult
    public func reopen() throws -> String? {
        try lock.withLock {
            guard let path else { return nil }
            try Logger.redirect(to: path)
            return path
        }
    }

    /// Points fds 1 and 2 at `path`, each swapped atomically (dup2): no line is lost or split between files.
    private static func redirect(to path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw NodeError(code: NodeCode.logFileUnwritable, message: "cannot open log file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard dup2(fd, STDOUT_FILENO) >= 0, dup2(fd, STDERR_FILENO) >= 0 else {
            throw NodeError(code: NodeCode.logFileUnwritable, message: "cannot write the log to \(path): \(String(cString: strerror(errno)))")
        }
    }

    public func log(_ lvl: Level, _ component: String, _ message: String, height: UInt64? = nil, _ fields: [String: String] = [:]) {
        guard lvl >= level else { return }
        let ts = Date().timeIntervalSince1970
        var line: String
        switch format {
        case .json:
            var obj: [String: Any] = ["ts": (ts * 1000).rounded() / 1000, "level": lvl.name, "component": component, "msg": message]
            if let height { obj["height"] = height }
            for (k, v) in fields { obj[k] = v }
            let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        case .text:
            line = "\(String(format: "%.3f", ts)) \(lvl.name.uppercased()) [\(component)]"
            if let height { line += " h=\(height)" }
            line += " \(message)"
            for (k, v) in fields.sorted(by: { $0.key < $1.key }) { line += " \(k)=\(v)" }
        }
        line += "\n"
        lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }

    private var throttle: [String: (last: Date, held: Int)] = [:]
    private let throttleLock = NSLock()

    /// Logs at most once per `interval` seconds per `key`, and says how many lines were held back since the last
    /// one: a failure that repeats hundreds of times a second (a full disk) gives one line per interval with a
    /// count, not a flood that fills the disk further. Returns whether it logged.
    @discardableResult
    public func throttled(_ lvl: Level, key: String, interval: Double = 10, _ component: String, _ message: String,
                          height: UInt64? = nil, now: Date = Date()) -> Bool {
        let held: Int? = throttleLock.withLock {
            if let t = throttle[key], now.timeIntervalSince(t.last) < interval {
                throttle[key] = (t.last, t.held + 1)
                return nil
            }
            let held = throttle[key]?.held ?? 0
            throttle[key] = (now, 0)
            return held
        }
        guard let held else { return false }
        log(lvl, component, message, height: height, held > 0 ? ["repeated": "\(held)", "repeatedWithinSeconds": "\(Int(interval))"] : [:])
        return true
    }

    public func debug(_ c: String, _ m: String, height: UInt64? = nil, _ f: [String: String] = [:]) { log(.debug, c, m, height: height, f) }
    public func info(_ c: String, _ m: String, height: UInt64? = nil, _ f: [String: String] = [:]) { log(.info, c, m, height: height, f) }
    public func warn(_ c: String, _ m: String, height: UInt64? = nil, _ f: [String: String] = [:]) { log(.warn, c, m, height: height, f) }
    public func error(_ c: String, _ m: String, height: UInt64? = nil, _ f: [String: String] = [:]) { log(.error, c, m, height: height, f) }
}
