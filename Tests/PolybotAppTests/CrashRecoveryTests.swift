import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// The `polybot` binary in live mode against the simulator, killed with SIGKILL while its order is in flight.
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func sigkillBetweenIntentAndResponseEndsWithOneOrder() async throws {
        let whales = (1...3).map { Fixtures.address(0xB0 + $0) }
        let key = try PrivateKey(hex: "0x" + DaemonProcess.testKeyHex)
        let exchange = SimExchange(
            trades: Scenario.consensus(signals: 1, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 120))
        try await withSimulator(exchange) { base, ws in
            try await withNamedTestDatabase { url, store, _ in
                try await DaemonProcess.createBasket("trio", whales: whales, in: store)
                let live = try await simulatorLiveTrading(base: base, key: key, logger: Logger(label: "test"))
                let env = DaemonProcess.environment(
                    base: base, ws: ws,
                    extra: ["DATABASE_URL": url].merging(DaemonProcess.liveMode(live)) { $1 })
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-crash-\(getpid()).log")
                defer { try? FileManager.default.removeItem(at: log) }
                // The venue executes the order and then holds the response: the daemon has persisted the intent and
                // is waiting for the answer when it dies.
                var f = SimFaults()
                f.timeoutButFillNextOrders = 1
                f.holdResponseSeconds = 60
                await exchange.setFaults(f)
                // No user channel for the first run (a dead loopback port), so nothing but the POST response or the REST
                // poll could tell it about the fill: the kill lands while the order is `submitting`.
                var firstEnv = env
                firstEnv["POLYBOT_CLOB_WS_URL"] = "ws://127.0.0.1:9/clob-ws"
                let firstRun = try DaemonProcess.start(env: firstEnv, log: log)
                let first = firstRun.process
                #expect(
                    await eventually { await exchange.rtdsSubscribers > 0 },
                    "daemon never subscribed: \(firstRun.output())"
                )
                await exchange.publishNext(3)
                let inFlight = try await eventually(timeout: .seconds(30)) {
                    let orders = try await store.orders.list(statuses: nil, limit: 10, beforeId: nil)
                    let venue = await exchange.allOrders.count
                    return orders.count == 1 && orders[0].status == .submitting && venue == 1
                }
                #expect(
                    inFlight,
                    "no in-flight order: \(firstRun.output())"
                )
                kill(first.processIdentifier, SIGKILL)
                first.waitUntilExit()
                #expect(first.terminationReason == .uncaughtSignal)
                let before = try #require(try await store.orders.list(statuses: nil, limit: 10, beforeId: nil).first)
                #expect(before.status == .submitting && before.filledSize == .zero)
                #expect(try await store.positions.openPositions(mode: .live).isEmpty)

                // Restart: reconciliation looks the digest up, finds the fill, and books it once.
                await exchange.setFaults(SimFaults())
                let backfillsBefore = firstRun.lines(containing: "backfilled")
                let second = try DaemonProcess.start(env: env, log: log)
                let settled = try await eventually(timeout: .seconds(30)) {
                    try await store.orders.get(id: before.id)?.status == .filled
                }
                #expect(
                    settled,
                    "not reconciled: \(second.output())"
                )
                // The restart's backfill redelivers the three trades: wait until it has run and the feed is subscribed
                // (the listener subscribes only after its start-up backfill), then stop.
                #expect(
                    await eventually {
                        let subscribed = await exchange.rtdsSubscribers > 0
                        return subscribed && second.lines(containing: "backfilled") > backfillsBefore
                    })
                second.signal(SIGTERM)
                let ended = await second.exit()
                #expect(ended?.reason == .exit && ended?.status == 0, "\(second.output())")

                let orders = try await store.orders.list(statuses: nil, limit: 10, beforeId: nil)
                let venue = await exchange.allOrders.count
                #expect(orders.count == 1 && venue == 1)
                let order = try #require(orders.first)
                #expect(order.exchangeOrderId == order.orderDigest && order.filledSize == order.size)
                let positions = try await store.positions.openPositions(mode: .live)
                #expect(
                    positions.count == 1 && positions.first?.size == order.filledSize
                        && positions.first?.cost == order.filledCost)
                #expect(try await store.signals.recent(limit: 5).map(\.status) == ["filled"])
                let events = try await store.orders.events(orderId: order.id).map(\.eventType)
                #expect(events.contains("LOOKUP"))
            }
        }
    }
}
