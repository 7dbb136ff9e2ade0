import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 27: a live daemon keeps its resting order alive with the venue's heartbeats; killed with SIGKILL (no cancel of
/// ours can arrive), the venue's dead-man switch cancels the order by itself.
@Suite("A live daemon at the venue: heartbeats, halts, approvals", .serialized, .tags(.spawnsProcesses))
struct LiveDaemonVenueTests {
    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func aSigkilledDaemonsRestingOrderIsCancelledByTheVenue() async throws {
        let whales = (1...3).map { Fixtures.address(0xC0 + $0) }
        let exchange = SimExchange(
            trades: Scenario.consensus(signals: 1, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 120))
        try await withSimulator(exchange) { base, ws in
            try await withNamedTestDatabase { url, store, _ in
                try await DaemonProcess.createBasket("trio", whales: whales, in: store)
                let (live, liveEnv) = try await LiveAccountKind.eoa.setUp(exchange: exchange, base: base)
                let env = DaemonProcess.environment(
                    base: base, ws: ws, extra: ["DATABASE_URL": url].merging(liveEnv) { $1 })
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-hb-\(getpid()).log")
                defer { try? FileManager.default.removeItem(at: log) }
                // The market imposes a matching delay: the copy is accepted `delayed` and rests on the book.
                var f = SimFaults()
                f.delayMatching = true
                await exchange.setFaults(f)
                let run = try DaemonProcess.start(env: env, log: log)
                #expect(
                    await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 },
                    "daemon never subscribed: \(run.output())")
                await exchange.publishNext(3)
                let resting = try await eventually {
                    let orders = try await store.orders.list(statuses: nil, limit: 10, beforeId: nil)
                    let venue = await exchange.allOrders
                    return orders.count == 1 && orders[0].status == .live && venue.count == 1
                        && venue[0].status == "LIVE"
                }
                #expect(resting, "no resting order: \(run.output())")
                // The daemon's heartbeats are reaching the venue.
                let apiKey = live.credentials.apiKey
                #expect(
                    await eventually { await exchange.heartbeats(apiKey: apiKey) >= 2 },
                    "no heartbeats: \(run.output())")
                kill(run.process.processIdentifier, SIGKILL)
                run.process.waitUntilExit()
                #expect(run.process.terminationReason == .uncaughtSignal)
                let order = try #require(await exchange.allOrders.first)
                #expect(order.status == "LIVE", "still resting right after the kill")
                // Nothing of ours can cancel it now: the venue does, once its 10 s deadline has passed.
                #expect(
                    await eventually(timeout: .seconds(60)) {
                        await exchange.allOrders.first?.status == "CANCELED"
                    })
                let cancels = await exchange.heartbeatCancels
                #expect(cancels.map(\.orderId) == [order.id] && cancels.allSatisfy { $0.silentFor >= .seconds(10) })
            }
        }
    }

    /// The interface other checks rely on: with the ERC-1155 approvals withdrawn (`POST /_sim/approvals`), `serve` in
    /// live mode exits non-zero, naming the missing outcome-token approval and the exchanges.
    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func liveStartUpRefusesAnAccountWithoutOutcomeTokenApproval() async throws {
        let exchange = SimExchange(trades: generated(50))
        try await withSimulator(exchange) { base, ws in
            try await withNamedTestDatabase { url, _, _ in
                let (live, liveEnv) = try await LiveAccountKind.eoa.setUp(exchange: exchange, base: base)
                await exchange.setOutcomeApprovals(live.key.address, granted: false)
                let env = DaemonProcess.environment(
                    base: base, ws: ws, extra: ["DATABASE_URL": url].merging(liveEnv) { $1 })
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-1155-\(getpid()).log")
                defer { try? FileManager.default.removeItem(at: log) }
                let run = try DaemonProcess.start(env: env, log: log)
                let ended = await run.exit(within: .seconds(120))
                #expect(ended != nil && ended?.status != 0, "\(run.output())")
                let output = run.output(20_000)
                #expect(output.contains("outcome-token (ERC-1155)"), "\(output)")
                #expect(output.contains("CTF Exchange V2") && output.contains("Exchange V3"))
            }
        }
    }

    /// Black box, as the issue measured it: a live daemon's copy waits out a matching-engine restart (425); the operator
    /// halts; after the PUT has answered not one more order POST reaches the venue, the engine comes back, and the
    /// copy ends `cancelled` with `trading_halted` on the order and its signal.
    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func aHaltDuringARestartWindowSendsNothingAfterThePUTAnswered() async throws {
        let whales = (1...3).map { Fixtures.address(0xD0 + $0) }
        let exchange = SimExchange(
            trades: Scenario.consensus(signals: 1, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 120))
        try await withSimulator(exchange) { base, ws in
            try await withNamedTestDatabase { url, store, _ in
                try await DaemonProcess.createBasket("trio", whales: whales, in: store)
                let (_, liveEnv) = try await LiveAccountKind.eoa.setUp(exchange: exchange, base: base)
                let env = DaemonProcess.environment(
                    base: base, ws: ws,
                    extra: ["DATABASE_URL": url, "POLYBOT_OPERATOR_PASSWORD": "halt-operator-password"].merging(liveEnv)
                    {
                        $1
                    })
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-halt-\(getpid()).log")
                defer { try? FileManager.default.removeItem(at: log) }
                let run = try DaemonProcess.start(env: env, log: log)
                defer { run.signal(SIGKILL) }
                #expect(
                    await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 },
                    "daemon never subscribed: \(run.output())")
                await exchange.restartEngine(downSeconds: 3_600, postOnlySeconds: 0)
                await exchange.publishNext(3)
                // The copy is being retried against the 425s; right after its third try it backs off for 4 s, so the
                // halt lands while it waits (a POST already on the wire when the PUT answers would be allowed).
                #expect(
                    await eventually(timeout: .processWait) { await exchange.orderPosts >= 3 }, "\(run.output())")
                #expect(try await run.setTradingState("halted", password: "halt-operator-password") == 200)
                let postsAtHalt = await exchange.orderPosts
                await exchange.restartEngine(downSeconds: 0, postOnlySeconds: 0)
                let ended = try await eventually(timeout: .processWait) {
                    try await store.orders.list(statuses: nil, limit: 5, beforeId: nil).first?.status == .cancelled
                }
                #expect(ended, "\(run.output())")
                #expect(await exchange.orderPosts == postsAtHalt)
                #expect(await exchange.allOrders.isEmpty)
                let order = try #require(try await store.orders.list(statuses: nil, limit: 5, beforeId: nil).first)
                #expect((order.error ?? "").contains("trading_halted"))
                let signal = try #require(try await store.signals.recent(limit: 5).first)
                #expect(signal.reason.contains("trading_halted"), "\(signal.status) \(signal.reason)")
            }
        }
    }
}
