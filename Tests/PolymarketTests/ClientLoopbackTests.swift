import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import PolybotCore
import PolybotTestSupport
import Polymarket
import Synchronization
import Testing

func tradeJSON(_ n: Int, timestamp: Int64 = 1_790_000_000) -> String {
    let hex = String(n, radix: 16)
    let tx = "0x" + String(repeating: "0", count: 64 - hex.count) + hex
    return
        #"{"proxyWallet":"0x510F4963b66B1B18505faaB74b0bB943D1dDa43C","side":"BUY","asset":"1234","conditionId":"0x1d8720896546460a48d4f7fd5b3f0705a8d427921222de498d1cd334d4890c52","size":10,"price":0.5,"timestamp":\#(timestamp + Int64(n)),"outcome":"Yes","outcomeIndex":0,"transactionHash":"\#(tx)"}"#
}

@Suite("Clients against a loopback server")
struct ClientLoopbackTests {
    let logger = Logger(label: "test.client")

    @Test func dataAPIPagesRetries429AndNeverRetriesPost() async throws {
        let calls = Mutex<[String]>([])
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.get("/trades") { request, _ -> Response in
            let offset = Int(request.uri.queryParameters["offset"].map(String.init) ?? "0") ?? 0
            let limit = Int(request.uri.queryParameters["limit"].map(String.init) ?? "100") ?? 100
            let first = calls.withLock { c -> Bool in
                c.append("trades?offset=\(offset)")
                return c.count == 1
            }
            if first {
                var h = HTTPFields()
                h[.retryAfter] = "0"
                return Response(
                    status: .tooManyRequests, headers: h,
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"Too Many Requests"}"#)))
            }
            let rows = (0..<5).dropFirst(offset).prefix(limit).map { tradeJSON($0) }
            return Response(
                status: .ok, body: .init(byteBuffer: ByteBuffer(string: "[" + rows.joined(separator: ",") + "]")))
        }
        router.post("/order") { _, _ -> Response in
            calls.withLock { $0.append("POST /order") }
            return Response(
                status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: #"{"error":"boom"}"#)))
        }
        try await withLoopbackServer(router: router) { port in
            let transport = HTTPTransport(
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)), logger: logger)
            defer { Task { try? await transport.shutdown() } }
            let data = DataAPIClient(baseURL: "http://127.0.0.1:\(port)", transport: transport)
            let (rows, capped) = try await data.allTrades(.init(), pageSize: 2)
            #expect(!capped)
            #expect(rows.count == 5 && rows.allSatisfy { (try? $0.get()) != nil })
            #expect(transport.stats.snapshot.rateLimited == 1)
            // POST is never retried automatically: one call, then the error surfaces.
            let clob = ClobClient(
                baseURL: "http://127.0.0.1:\(port)", transport: transport,
                auth: (
                    ApiCredentials(
                        apiKey: "k", secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", passphrase: "p"),
                    EthAddress.zero
                ))
            await #expect(throws: PolymarketHTTPError.status(500, message: "boom")) {
                try await clob.postOrder(body: "{}")
            }
            #expect(calls.withLock { $0.filter { $0 == "POST /order" }.count } == 1)
            #expect(calls.withLock { $0.prefix(2) } == ["trades?offset=0", "trades?offset=0"])
        }
    }

    @Test func rtdsFeedDetectsStallReconnectsAndReportsTheGap() async throws {
        let connections = Mutex(0)
        let subscribes = Mutex<[String]>([])
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/") { inbound, outbound, _ in
            let n = connections.withLock { c -> Int in
                c += 1
                return c
            }
            var sentTrades = false
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                if text == "PING" {
                    try await outbound.write(.text("PONG"))  // keeps answering pings while data has stopped
                    continue
                }
                subscribes.withLock { $0.append(text) }
                if !sentTrades {
                    sentTrades = true
                    let base = n == 1 ? 0 : 100
                    for i in 0..<3 {
                        try await outbound.write(
                            .text(
                                #"{"connection_id":"x","topic":"activity","type":"trades","timestamp":1790000000000,"payload":"#
                                    + tradeJSON(base + i) + "}"))
                    }
                    try await outbound.write(.text("{not json at all"))
                }
            }
        }
        let events = try await withLoopbackServer(router: router, webSocket: true) { port -> [FeedEvent] in
            let collected = Mutex<[FeedEvent]>([])
            let feed = RTDSFeed(
                configuration: .init(
                    url: "ws://127.0.0.1:\(port)/", pingInterval: .milliseconds(100), stallTimeout: .milliseconds(600),
                    initialBackoff: .milliseconds(50)),
                logger: logger)
            let task = Task { await feed.run { e in collected.withLock { $0.append(e) } } }
            for _ in 0..<100 {
                try await Task.sleep(for: .milliseconds(50))
                if collected.withLock({ $0.filter { if case .trade = $0 { true } else { false } }.count }) >= 6 {
                    break
                }
            }
            task.cancel()
            await task.value
            return collected.withLock { $0 }
        }
        let trades = events.compactMap { e -> Trade? in if case .trade(let t, _) = e { t } else { nil } }
        #expect(trades.count == 6)
        #expect(events.contains(.connected(attempt: 1)) && events.contains(.connected(attempt: 2)))
        #expect(events.contains { if case .stalled = $0 { true } else { false } })
        #expect(events.contains { if case .decodeError = $0 { true } else { false } })
        // The gap is in market time: it starts a margin before the newest trade seen before the outage (all of this
        // server's first session ends with 1_790_000_002), whatever the local clock says.
        let gaps = events.compactMap { e -> (Int64, Int64)? in if case .gap(let f, let t) = e { (f, t) } else { nil } }
        #expect(gaps.count == 1)
        if let gap = gaps.first {
            #expect(gap.1 == 1_790_000_002)
            #expect(gap.0 == 1_790_000_002 - RTDSFeed.gapMarginSeconds)
        }
        #expect(subscribes.withLock { $0 }.allSatisfy { $0 == RTDSDecoder.subscribeActivity })
        #expect(subscribes.withLock { $0.count } == 2)  // resubscribed after the reconnect
    }
}
