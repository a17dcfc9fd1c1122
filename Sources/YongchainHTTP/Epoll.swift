import Glibc

// Swift's Glibc module does not export <sys/epoll.h> or <sys/eventfd.h>, and this package keeps its targets'
// manifest fixed, so the four calls are bound by symbol name. Every argument and result is an integer or a
// pointer, for which the Swift and C calling conventions agree on x86_64 and arm64. If a C shim target for Linux
// headers is ever added to Package.swift, these declarations should move there.
@_silgen_name("epoll_create1") private func c_epoll_create1(_ flags: Int32) -> Int32
@_silgen_name("epoll_ctl") private func c_epoll_ctl(
    _ epfd: Int32, _ op: Int32, _ fd: Int32, _ event: UnsafeMutableRawPointer?) -> Int32
@_silgen_name("epoll_wait") private func c_epoll_wait(
    _ epfd: Int32, _ events: UnsafeMutableRawPointer, _ maxEvents: Int32, _ timeoutMs: Int32) -> Int32
@_silgen_name("eventfd") private func c_eventfd(_ initialValue: UInt32, _ flags: Int32) -> Int32

/// The part of epoll the server uses. Events carry a 64-bit `data` word, as `epoll_event.data.u64`.
enum Epoll {
    static let readable: UInt32 = 0x001      // EPOLLIN
    static let writable: UInt32 = 0x004      // EPOLLOUT
    static let peerClosed: UInt32 = 0x2000   // EPOLLRDHUP
    static let oneShot: UInt32 = 1 << 30     // EPOLLONESHOT

    private static let add: Int32 = 1        // EPOLL_CTL_ADD
    private static let modify: Int32 = 3     // EPOLL_CTL_MOD
    private static let closeOnExec: Int32 = 0o2000000  // EPOLL_CLOEXEC == EFD_CLOEXEC == O_CLOEXEC
    private static let nonBlocking: Int32 = 0o4000     // EFD_NONBLOCK == O_NONBLOCK

    // struct epoll_event is packed on x86_64 (12 bytes, data at offset 4) and naturally aligned elsewhere.
    #if arch(x86_64)
    private static let dataOffset = 4
    #else
    private static let dataOffset = 8
    #endif

    static func create() -> Int32 { c_epoll_create1(closeOnExec) }

    static func makeEventFD() -> Int32 { c_eventfd(0, closeOnExec | nonBlocking) }

    static func add(_ epfd: Int32, _ fd: Int32, events: UInt32, data: UInt64) -> Int32 {
        control(epfd, add, fd, events, data)
    }

    static func modify(_ epfd: Int32, _ fd: Int32, events: UInt32, data: UInt64) -> Int32 {
        control(epfd, modify, fd, events, data)
    }

    private static func control(_ epfd: Int32, _ op: Int32, _ fd: Int32, _ events: UInt32, _ data: UInt64) -> Int32 {
        var raw: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &raw) { buffer in
            buffer.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
            buffer.storeBytes(of: data, toByteOffset: dataOffset, as: UInt64.self)
            return c_epoll_ctl(epfd, op, fd, buffer.baseAddress)
        }
    }

    /// Waits for one event. Returns its data word, nil on timeout; errno is set when the result is nil and
    /// `failed` is true.
    static func waitOne(_ epfd: Int32, timeoutMs: Int32) -> (data: UInt64?, failed: Bool) {
        var raw: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &raw) { buffer in
            let n = c_epoll_wait(epfd, buffer.baseAddress!, 1, timeoutMs)
            if n < 0 { return (nil, true) }
            if n == 0 { return (nil, false) }
            return (buffer.loadUnaligned(fromByteOffset: dataOffset, as: UInt64.self), false)
        }
    }
}
