#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds a TCP port on 127.0.0.1 that nothing listens on right now.
package enum FreePort {
    /// Binds port 0 on the loopback address, reads the port the kernel chose, and releases it.
    ///
    /// - Returns: the port, or `nil` when no socket could be bound.
    package static func find() -> Int? { bind(port: 0) }

    /// A free port below the kernel's ephemeral range (Linux: from 32768), for a server that stops and must start
    /// again on the same port: a port the kernel hands out for `bind(0)` or an outgoing connection could be taken by
    /// another socket while that server is down.
    ///
    /// - Returns: a port in `range` that could be bound just now, or `nil` after 200 tries.
    package static func find(in range: Range<Int> = 20_000..<32_000) -> Int? {
        for _ in 0..<200 {
            if let port = bind(port: Int.random(in: range)) { return port }
        }
        return nil
    }

    /// Binds `port` (0: any) on 127.0.0.1 and releases it; the bound port or nil.
    private static func bind(port: Int) -> Int? {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Glibc)
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #else
                    Darwin.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #endif
            }
        }
        guard bound == 0 else { return nil }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { return nil }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
