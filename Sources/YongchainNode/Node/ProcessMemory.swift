import CMalloc
import Foundation
import Synchronization

/// glibc malloc's settings for a node's process: few arenas, and freed memory given back to the system.
///
/// A node runs a few dozen threads (HTTP workers, gossip senders, the consensus queue, the checkpointer), and glibc
/// gives threads up to eight arenas per core. Memory freed into one arena serves only the threads that allocate
/// from it, and an arena gives memory back to the system only from its top, so under a backlog each arena grew to
/// its own peak and the node kept the sum: at the end of a 20,000-unit mortgage year a node held 102 MiB free
/// against 71 MiB in use (docs/performance.md, session 13). Two arenas (one per core of the machine the figures
/// come from) share what is freed; `malloc_trim` every `trimInterval` gives the free pages back, so a node's memory
/// after a burst is what it uses, not what it once needed. Under a backlog a block's execution and commit touch
/// tens of MiB that are freed again, and those pages stay resident until a trim: with a trim every 5 s a node's
/// resident size climbed 20–40 MiB between two trims; trimmed every second, it falls back each second (the
/// city-year, docs/performance.md, session 14: the trims and the faults after them cost 2–4 % of a node's CPU).
///
/// Process-wide: the node's launcher calls `configure` once, before the node starts any thread. In-process nodes
/// (tests) run on the allocator's defaults.
public enum ProcessMemory {
    /// malloc arenas for the whole process.
    public static let arenas: Int32 = 2
    /// Seconds between two returns of free memory to the system.
    public static let trimInterval: TimeInterval = 1

    /// Time spent in `malloc_trim`, nanoseconds (`/metrics`: `yongchain_process_malloc_trim_seconds_total`).
    static let trimNanoseconds = Atomic<UInt64>(0)
    /// Trims done (`/metrics`: `yongchain_process_malloc_trims_total`).
    static let trims = Atomic<Int>(0)

    /// Sets the arenas (unless the environment sets glibc's own: `MALLOC_ARENA_MAX`, or `glibc.malloc.arena_max`
    /// in `GLIBC_TUNABLES`, which then win) and starts the thread that trims every `trimInterval`.
    public static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) {
        #if os(Linux)
        if !setsArenas(environment) { _ = mallopt(M_ARENA_MAX, arenas) }
        let trimmer = Thread {
            while true {
                Thread.sleep(forTimeInterval: trimInterval)
                let started = DispatchTime.now().uptimeNanoseconds
                _ = malloc_trim(0)
                trimNanoseconds.add(DispatchTime.now().uptimeNanoseconds - started, ordering: .relaxed)
                trims.add(1, ordering: .relaxed)
            }
        }
        trimmer.name = "malloc-trim"
        trimmer.start()
        #endif
    }

    /// Whether `environment` gives glibc a number of arenas itself.
    static func setsArenas(_ environment: [String: String]) -> Bool {
        environment["MALLOC_ARENA_MAX"] != nil
            || (environment["GLIBC_TUNABLES"] ?? "").split(separator: ":").contains { $0.hasPrefix("glibc.malloc.arena_max=") }
    }
}
