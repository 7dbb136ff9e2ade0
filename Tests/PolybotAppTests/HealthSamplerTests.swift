import Foundation
import Logging
import PolybotApp
import PolybotStore
import PolybotTestSupport
import PostgresNIO
import Testing

@Suite("Health sampler")
struct HealthSamplerTests {
    @Test func pingIsTrueAgainstPostgresAndFalseWithinTheTimeoutWithoutIt() async throws {
        let up = try await withTestDatabase(migrate: false) { store, _ in
            await HealthSampler.ping(store.db, timeout: .seconds(5))
        }
        #expect(up)

        // Nothing listens on this port: the pool keeps retrying the connection, the ping gives up at the timeout.
        let port = try #require(FreePort.find())
        try await expectPingGivesUp(port: port)
    }

    @Test func pingGivesUpOnAServerThatAcceptsButNeverAnswers() async throws {
        // A listening socket nobody reads: the kernel completes the TCP handshake, the startup message gets no reply.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(fd, 16) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        try await expectPingGivesUp(port: port)
    }

    /// A ping against 127.0.0.1:`port` answers false once its timer fires, whatever the pool is doing: the timer is
    /// the test's own (no wall time is measured), so the ping can only end by its timeout or by an answer — and there
    /// is none to give. Before the fix it waited for the pool, and this test would not end.
    private func expectPingGivesUp(port: Int) async throws {
        let client = PostgresClient(
            configuration: .init(
                host: "127.0.0.1", port: port, username: "postgres", password: nil, database: "postgres", tls: .disable)
        )
        let timer = AsyncStream<Void>.makeStream()
        let armed = AsyncStream<Duration>.makeStream()
        let answered = try await client.whileRunning { client in
            async let answer = HealthSampler.ping(
                Database(client: client, logger: Logger(label: "test")), timeout: .milliseconds(500),
                sleep: { duration in
                    armed.continuation.yield(duration)
                    for await _ in timer.stream { return }
                })
            // The ping armed its timer with the timeout it was given; firing it is the timeout elapsing.
            var armedWith = armed.stream.makeAsyncIterator()
            #expect(await armedWith.next() == .milliseconds(500))
            timer.continuation.yield()
            return await answer
        }
        #expect(!answered)
    }
}
