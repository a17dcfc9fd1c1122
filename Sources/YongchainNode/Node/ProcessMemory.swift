import CMalloc
import Foundation
import Synchronization

/// glibc malloc's settings for a node's process: few arenas, and freed memory given back to the system.
///
/// A node runs a few dozen threads (HTTP workers, gossip senders, the consensus queue, the checkpointer), and glibc
/// gives threads up to eight arenas per core. Memory freed into one arena serves only the threads that allocate
/// from it, and an arena gives memory back to the system only from its top, so under a backlog each arena grew to
/// its own peak and the node kept the sum: at the end of a 20,000-unit mortgage year a node held 102 MiB free
/// against 71 MiB in use (docs/performance.md, session 13). One arena shares everything freed between all threads
/// (they allocate mostly from their own tcache, so its lock is rarely taken), and a fixed mapping threshold
/// (`mmapThreshold`) sends a block's large transient buffers to their own mappings, given back when freed: the
/// city-year's peak fell from 183–198 MiB a node (two arenas, glibc's rising threshold) to 165–168, for about
/// 0.4 million more minor faults a node and less for the trim to do (docs/performance.md, session 16). At 1 MiB
/// rather than 128 KiB the peaks are the same (170–173 MiB), the faults a third fewer (session 16) and the node's
/// CPU about 3–4 % less in the city-year and `register`, quiet, alternating (session 17).
/// `malloc_trim` every `trimInterval` gives the free pages back, so a node's memory after a burst is what it uses,
/// not what it once needed. Under a backlog a block's execution and commit touch tens of MiB that are freed again,
/// and those pages stay resident until a trim: with a trim every 5 s a node's resident size climbed 20–40 MiB
/// between two trims; trimmed every second, it falls back each second (the city-year, docs/performance.md, session
/// 14: the trims and the faults after them cost 2–4 % of a node's CPU).
///
/// Process-wide: the node's launcher calls `configure` once, before the node starts any thread. In-process nodes
/// (tests) run on the allocator's defaults.
public enum ProcessMemory {
    /// malloc arenas for the whole process.
    public static let arenas: Int32 = 1
    /// Bytes from which an allocation is mapped on its own and unmapped when freed. glibc's default starts at
    /// 128 KiB but rises to the largest block freed (up to 32 MiB), after which a block's large transient buffers
    /// come from the arena and leave their pages resident, and gaps between live chunks, until the next trim; held
    /// fixed, they go back to the system when freed (docs/performance.md, sessions 16 and 17).
    public static let mmapThreshold: Int32 = 1024 * 1024
    /// Seconds between two returns of free memory to the system.
    public static let trimInterval: TimeInterval = 1

    /// Time spent in `malloc_trim`, nanoseconds (`/metrics`: `yongchain_process_malloc_trim_seconds_total`).
    static let trimNanoseconds = Atomic<UInt64>(0)
    /// Trims done (`/metrics`: `yongchain_process_malloc_trims_total`).
    static let trims = Atomic<Int>(0)

    /// Sets the arenas and the mapping threshold, each unless the environment sets glibc's own (`MALLOC_ARENA_MAX`
    /// or `glibc.malloc.arena_max` in `GLIBC_TUNABLES`; `MALLOC_MMAP_THRESHOLD_` or `glibc.malloc.mmap_threshold`),
    /// which then wins, and starts the thread that trims every `trimInterval`.
    public static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) {
        #if os(Linux)
        if !sets(environment, variable: "MALLOC_ARENA_MAX", tunable: "arena_max") { _ = mallopt(M_ARENA_MAX, arenas) }
        if !sets(environment, variable: "MALLOC_MMAP_THRESHOLD_", tunable: "mmap_threshold") {
            _ = mallopt(M_MMAP_THRESHOLD, mmapThreshold)
        }
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

    /// Whether `environment` sets glibc's malloc setting itself: through its own `variable`, or `glibc.malloc.`
    /// `tunable` in `GLIBC_TUNABLES`.
    static func sets(_ environment: [String: String], variable: String, tunable: String) -> Bool {
        environment[variable] != nil
            || (environment["GLIBC_TUNABLES"] ?? "").split(separator: ":").contains { $0.hasPrefix("glibc.malloc.\(tunable)=") }
    }
}
