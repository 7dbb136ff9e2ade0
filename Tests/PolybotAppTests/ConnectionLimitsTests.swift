import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import Testing

/// Issue 14, items 6 and 8: oversized request heads are answered (414 / 431) and closed instead of holding a socket,
/// idle connections are closed, and a graceful shutdown closes connected event streams instead of waiting out its
/// whole time limit on them.
@Suite("Connection limits")
struct ConnectionLimitsTests {
    @Test func oversizedHeadsAreAnsweredAndClosed() async throws {
        try await withDaemon(exchange: SimExchange(trades: [])) { d -> Void in
            // A 20 KB request target: 414 before routing (the socket is closed, so the read ends)…
            let longTarget = "/api/v1/signals?x=" + String(repeating: "a", count: 20_000)
            let long = try await RawHTTP.send(port: d.port, method: "GET", target: longTarget)
            #expect(long.status == 414)
            // …and a 100 KB one is beyond what the decoder reads at all: refused as a too-large head.
            let longerTarget = "/api/v1/signals?x=" + String(repeating: "a", count: 100_000)
            let longer = try await RawHTTP.send(port: d.port, method: "GET", target: longerTarget)
            #expect(longer.status == 431)
            // 20 KB of headers (each within the decoder's field limit): 431.
            let many = (0..<20).map { ("X-Pad-\($0)", String(repeating: "b", count: 1_000)) }
            let manyHeaders = try await RawHTTP.send(port: d.port, method: "GET", target: "/health", headers: many)
            #expect(manyHeaders.status == 431)
            // One 100 KB header: the decoder refuses it, and the refusal is still a 431 (not a silent hold).
            let huge = [("X-Huge", String(repeating: "c", count: 100_000))]
            let hugeHeader = try await RawHTTP.send(port: d.port, method: "GET", target: "/health", headers: huge)
            #expect(hugeHeader.status == 431)
            // Within the limits nothing changes.
            let plain = try await RawHTTP.send(port: d.port, method: "GET", target: "/health")
            #expect(plain.status == 200)
        }
    }

    /// A connection that sends nothing is closed by the server (its idle limit, 30 s in production, set to 1 s here):
    /// the read ends with the server's close well before the client's own 60 s limit.
    @Test func anIdleConnectionIsClosedByTheServer() async throws {
        try await withDaemon(exchange: SimExchange(trades: []), extra: ["POLYBOT_HTTP_IDLE_SECONDS": "1"]) {
            d -> Void in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: d.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            let closedByServer = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await channel.executeThenClose { inbound, _ in
                        for try await _ in inbound {}
                        return true
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(60))
                    return false
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            #expect(closedByServer)
        }
    }

    /// A dashboard's event stream is connected when the daemon is asked to stop: the stream is closed (1001) at the
    /// start of the shutdown, and the daemon stops long before the 8 s limit that used to run out on it.
    @Test func aConnectedEventStreamDoesNotHoldTheShutdown() async throws {
        let graceful = try await withDaemon(exchange: SimExchange(trades: [])) { d -> Bool in
            let token = try await d.login()
            let ws = d.ws + "/api/v1/stream?ticket=\(try await d.streamTicket(token))"
            let hello = AsyncStream<Void>.makeStream()
            let client = Task {
                try await WebSocketClient.connect(url: ws, logger: Logger(label: "test.ws")) { inbound, _, _ in
                    for try await _ in inbound {
                        hello.continuation.yield()
                    }
                }
            }
            var frames = hello.stream.makeAsyncIterator()
            _ = await frames.next()  // the server's hello frame: the stream is open
            let graceful = await d.stop()
            _ = try await client.value
            return graceful
        }
        // Observed, not timed: had the stream held the shutdown, the group would have run out of its 8 s and cancelled.
        #expect(graceful, "the daemon's graceful shutdown ran out of time and cancelled its services")
    }

    /// Item 6, second half: the start-up backfill (the database already holds a trade) is told by a 429 to wait 30 s;
    /// a shutdown meanwhile cancels the wait instead of being held to the 8 s limit.
    @Test func aBackfillWaitingOnRetryAfterDoesNotHoldTheShutdown() async throws {
        let whales = (1...3).map { Fixtures.address(0xCC + $0) }
        let start = Int64(Date().timeIntervalSince1970) - 300
        let trades = Scenario.consensus(signals: 2, wallets: whales, start: start)
        let exchange = SimExchange(trades: trades)
        await exchange.publishNext(3)
        // Every REST answer is a 429 asking for 30 s.
        var f = SimFaults()
        f.rateLimitBurst = 10_000
        f.retryAfterSeconds = 30
        await exchange.setFaults(f)
        let graceful = try await withNamedTestDatabase { url, store, _ in
            _ = try await store.trades.insert(trades[0])
            return try await withDaemon(exchange: exchange, databaseURL: url) { d -> Bool in
                let waiting = await eventually { await exchange.rateLimitedAnswers > 0 }
                #expect(waiting)
                return await d.stop()
            }
        }
        // The 30 s wait would outlast the daemon's 8 s shutdown limit: stopping gracefully means it was cancelled.
        #expect(graceful, "the daemon's graceful shutdown ran out of time and cancelled its services")
    }
}
