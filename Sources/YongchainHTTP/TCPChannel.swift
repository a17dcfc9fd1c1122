import Glibc

/// Plain TCP as a `ByteChannel`: `recv` and `send` on a non-blocking socket the caller owns (and closes).
final class TCPChannel: ByteChannel {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    var buffersInput: Bool { false }

    func read(_ buffer: UnsafeMutableRawBufferPointer) -> ChannelIO {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 {
                ReceivedBytesDump.record(buffer, n)
                return .done(n)
            }
            if n == 0 { return .closed }
            let err = errno
            if err == EINTR { continue }
            return err == EAGAIN || err == EWOULDBLOCK ? .wantRead : .failed(.io(err))
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> ChannelIO {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .done(0) }
        while true {
            // MSG_NOSIGNAL: a closed peer is an error, never SIGPIPE.
            let n = send(fd, base, bytes.count, Int32(MSG_NOSIGNAL))
            if n > 0 { return .done(n) }
            let err = errno
            if n < 0 && err == EINTR { continue }
            return n < 0 && (err == EAGAIN || err == EWOULDBLOCK) ? .wantWrite : .failed(.io(err))
        }
    }

    func closeNotify() {}
}
