import Foundation

/// CPU and memory of the nodes' processes and of this one, read from /proc and getrusage: what the bench reports
/// beside throughput. A process it cannot read (gone, or /proc in an unexpected form) is left out, not guessed.
enum ProcessSampler {
    struct Sample {
        /// CPU seconds used so far (user and system).
        let cpu: Double
        /// Peak resident memory (VmHWM), MiB.
        let peakMiB: Double
    }

    /// Every running node's sample, by name.
    static func nodes(_ m: BenchManifest, _ cluster: BenchCluster) -> [String: Sample] {
        var out: [String: Sample] = [:]
        for n in m.nodes {
            guard let pid = cluster.pid(of: n), let s = sample(pid) else { continue }
            out[n.name] = s
        }
        return out
    }

    static func sample(_ pid: pid_t) -> Sample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name: state is field 0 here, utime 11 and stime 12 (proc(5) fields 14 and 15).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return Sample(cpu: (utime + stime) / ticks, peakMiB: (statusKiB(status, "VmHWM:") ?? 0) / 1024)
    }

    /// A process's current resident memory in MiB (VmRSS); 0 when it cannot be read.
    static func residentMiB(_ pid: pid_t) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        return (statusKiB(status, "VmRSS:") ?? 0) / 1024
    }

    /// The kB figure of one line of /proc/<pid>/status, e.g. `VmRSS:   35840 kB`.
    static func statusKiB(_ status: String, _ field: String) -> Double? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return nil }
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        return parts.count > 1 ? Double(parts[1]) : nil
    }

    /// CPU seconds this process has used (user and system).
    static func ownCPU() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// The size of the files in `dir` (a node's database and its WAL), MiB.
    static func databaseMiB(_ dir: String) -> Double {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let bytes = files.compactMap { (try? FileManager.default.attributesOfItem(atPath: dir + "/" + $0))?[.size] as? Int }.reduce(0, +)
        return Double(bytes) / 1_048_576
    }
}
