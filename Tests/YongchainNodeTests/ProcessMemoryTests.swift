import Testing
@testable import YongchainNode

@Suite struct ProcessMemoryTests {
    /// An operator's own glibc arena setting wins over the node's one: the environment is read as glibc reads it.
    @Test func theEnvironmentsArenaSettingWins() {
        func sets(_ e: [String: String]) -> Bool { ProcessMemory.sets(e, variable: "MALLOC_ARENA_MAX", tunable: "arena_max") }
        #expect(!sets([:]))
        #expect(!sets(["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"]))
        #expect(sets(["MALLOC_ARENA_MAX": "1"]))
        #expect(sets(["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072:glibc.malloc.arena_max=1"]))
        #expect(!sets(["GLIBC_TUNABLES": "glibc.malloc.arena_test=1"]))
    }

    /// The same for the mapping threshold: glibc's variable or tunable, and no other.
    @Test func theEnvironmentsMappingThresholdWins() {
        func sets(_ e: [String: String]) -> Bool { ProcessMemory.sets(e, variable: "MALLOC_MMAP_THRESHOLD_", tunable: "mmap_threshold") }
        #expect(!sets([:]))
        #expect(!sets(["GLIBC_TUNABLES": "glibc.malloc.arena_max=1"]))
        #expect(!sets(["MALLOC_ARENA_MAX": "1"]))
        #expect(sets(["MALLOC_MMAP_THRESHOLD_": "1048576"]))
        #expect(sets(["GLIBC_TUNABLES": "glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=1048576"]))
        #expect(!sets(["GLIBC_TUNABLES": "glibc.malloc.mmap_max=0"]))
    }
}
