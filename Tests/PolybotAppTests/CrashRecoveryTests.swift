import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// The live accounts a daemon can trade with: a plain EOA, the three funder wallets of signature types 1–3, and a
/// session key trading for a deposit wallet (its owner's credentials kept for reconciliation).
enum LiveAccountKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case eoa, proxy, safe, depositWallet, sessionKey

    var testDescription: String { rawValue }

    var signatureType: SignatureType {
        switch self {
        case .eoa: .eoa
        case .proxy: .polyProxy
        case .safe: .polyGnosisSafe
        case .depositWallet, .sessionKey: .poly1271
        }
    }

    /// A session key (Hardhat's public test key #2, never funded anywhere that matters).
    static let sessionKeyHex = "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"

    /// Registers the funder wallet on the simulator and returns the daemon's live setup and its environment.
    func setUp(exchange: SimExchange, base: String) async throws -> (live: LiveTrading, env: [String: String]) {
        let owner = try PrivateKey(hex: "0x" + DaemonProcess.testKeyHex)
        let logger = Logger(label: "test")
        guard self != .eoa else {
            let live = try await simulatorLiveTrading(base: base, key: owner, logger: logger)
            return (live, DaemonProcess.liveMode(live))
        }
        let funder = EthAddress(bytes: [UInt8](repeating: 0xC0 + signatureType.rawValue, count: 20))!
        let trader = self == .sessionKey ? try PrivateKey(hex: "0x" + Self.sessionKeyHex) : owner
        await exchange.registerWallet(
            funder,
            SimWallet(
                kind: signatureType, owner: owner.address, sessionKeys: self == .sessionKey ? [trader.address] : []))
        var live = try await simulatorLiveTrading(base: base, key: trader, logger: logger)
        live.signatureType = signatureType
        live.funder = funder
        if self == .sessionKey {
            let ownerLive = try await simulatorLiveTrading(base: base, key: owner, logger: logger)
            live.otherKeys = [(ownerLive.credentials, owner.address)]
        }
        var env = DaemonProcess.liveMode(
            live, keyHex: self == .sessionKey ? Self.sessionKeyHex : DaemonProcess.testKeyHex)
        // A deposit wallet's deployment is checked on chain (the simulator's RPC) before trading starts.
        if signatureType == .poly1271 { env["POLYBOT_POLYGON_RPC_URL"] = base + "/rpc" }
        return (live, env)
    }
}

/// The `polybot` binary in live mode against the simulator, killed with SIGKILL while its order is in flight.
@Suite("Crash recovery", .serialized, .tags(.spawnsProcesses))
struct CrashRecoveryTests {
    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func sigkillBetweenIntentAndResponseEndsWithOneOrder() async throws {
        try await crashMidOrder(.eoa)
    }

    /// Issue 17: the same crash, for each signature type Polymarket accounts use (and a session key): the orders are
    /// signed as the venue checks them, funded by the wallet, and recovered once after the restart.
    @Test(
        .enabled(if: DaemonProcess.runs, DaemonProcess.missing),
        arguments: [
            LiveAccountKind.proxy, .safe, .depositWallet, .sessionKey,
        ])
    func eachSignatureTypeSurvivesARestartMidOrder(_ account: LiveAccountKind) async throws {
        try await crashMidOrder(account)
    }

    private func crashMidOrder(_ account: LiveAccountKind) async throws {
        let whales = (1...3).map { Fixtures.address(0xB0 + $0) }
        let exchange = SimExchange(
            trades: Scenario.consensus(signals: 1, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 120))
        try await withSimulator(exchange) { base, ws in
            try await withNamedTestDatabase { url, store, _ in
                try await DaemonProcess.createBasket("trio", whales: whales, in: store)
                let (live, liveEnv) = try await account.setUp(exchange: exchange, base: base)
                let env = DaemonProcess.environment(
                    base: base, ws: ws, extra: ["DATABASE_URL": url].merging(liveEnv) { $1 })
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
                    await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 },
                    "daemon never subscribed: \(firstRun.output())"
                )
                await exchange.publishNext(3)
                let inFlight = try await eventually {
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
                let settled = try await eventually {
                    try await store.orders.get(id: before.id)?.status == .filled
                }
                #expect(
                    settled,
                    "not reconciled: \(second.output())"
                )
                // The restart's backfill redelivers the three trades: wait until it has run and the feed is subscribed
                // (the listener subscribes only after its start-up backfill), then stop.
                #expect(
                    await eventually(timeout: .processWait) {
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
                // The venue took it as the account's order: funded by the wallet (the key itself for an EOA).
                let funder = (live.funder ?? live.key.address).lowercased
                #expect(await exchange.allOrders.map(\.maker) == [funder])
            }
        }
    }
}
