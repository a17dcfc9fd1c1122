import Testing
@testable import YongchainNode

@Suite struct ProcessMemoryTests {
    /// An operator's own glibc arena setting wins over the node's two: the environment is read as glibc reads it.
    @Test func theEnvironmentsArenaSettingWins() {
        #expect(!ProcessMemory.setsArenas([:]))
        #expect(!ProcessMemory.setsArenas(["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"]))
        #expect(ProcessMemory.setsArenas(["MALLOC_ARENA_MAX": "1"]))
        #expect(ProcessMemory.setsArenas(["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072:glibc.malloc.arena_max=1"]))
        #expect(!ProcessMemory.setsArenas(["GLIBC_TUNABLES": "glibc.malloc.arena_test=1"]))
    }
}
