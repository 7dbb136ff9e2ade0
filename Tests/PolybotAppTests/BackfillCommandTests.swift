import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Synchronization
import Testing

/// Issue 17: `polybot backfill` over the simulator's Data API — v2 cursor walk, interrupted and resumed at its stored
/// cursor, combo rows left out, a finished wallet not read again, and the v1 `/activity` fallback without v2.
@Suite("polybot backfill", .serialized)
struct BackfillCommandTests {
    let logger = Logger(label: "test.backfill")

    /// The two wallets with the most published trades.
    func busiest(_ exchange: SimExchange) -> [Address] {
        var counts: [Address: Int] = [:]
        for t in exchange.history { counts[t.wallet, default: 0] += 1 }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.hex < $1.key.hex }.prefix(2).map(
            \.key)
    }

    @Test func aV2WalkResumesAtItsCursorAndSkipsCombos() async throws {
        let exchange = SimExchange(trades: generated(3_000, seed: 11))
        await exchange.publishNext(exchange.history.count)
        let wallet = busiest(exchange)[0]
        let expected = Set(exchange.history.filter { $0.wallet == wallet }.map(\.transactionHash))
        #expect(expected.count > 15)
        var faults = SimFaults()
        faults.comboEvery = 4
        await exchange.setFaults(faults)
        try await withSimulator(exchange) { base, _ in
            try await withTestDatabase { store, _ in
                let transport = HTTPTransport(logger: logger)
                defer { Task { try? await transport.shutdown() } }
                let dataAPI = DataAPIClient(baseURL: base + "/data-api", transport: transport)
                let lines = Lines()
                func run(maxPages: Int?) async throws -> BackfillCommand.Summary {
                    try await BackfillCommand.backfill(
                        store: store, dataAPI: dataAPI, wallets: [wallet], since: 1, now: 2_000_000_000, pageSize: 5,
                        maxPages: maxPages, logger: logger, progress: { lines.append($0) })
                }
                // Interrupted after two pages: ten rows stored, the cursor kept.
                let first = try await run(maxPages: 2)
                #expect(first.interrupted == 1 && first.complete == 0 && first.rowsRead == 10 && first.rowsNew == 10)
                let scope = "wallet:\(wallet.hex)|since:1"
                let stopped = try #require(try await BackfillProgressRepository(db: store.db).get(scope))
                #expect(!stopped.done && stopped.cursor != nil && stopped.pages == 2 && stopped.source == "v2")

                // Resumed: the rest, from the cursor (no row read twice by the walk), then the newest v1 page.
                let second = try await run(maxPages: nil)
                #expect(second.complete == 1 && second.interrupted == 0 && second.sources == ["v2"])
                let stored = try await store.trades.trades(wallet: wallet, since: 0)
                let storedHashes = Set(stored.map(\.trade.transactionHash))
                #expect(
                    storedHashes == expected,
                    "missing \(expected.subtracting(storedHashes).count); \(first); \(second); history \(exchange.history.filter { $0.wallet == wallet }.count)"
                )
                #expect(first.rowsNew + second.rowsNew == expected.count)
                #expect(first.combosSkipped + second.combosSkipped > 0)
                #expect(lines.all.contains { $0.contains("v2 page 3") })

                // Finished: not read again.
                let third = try await run(maxPages: nil)
                #expect(third.alreadyComplete == 1 && third.rowsRead == 0)
            }
        }
    }

    @Test func withoutV2TheV1ActivityWindowsAreRead() async throws {
        let exchange = SimExchange(trades: generated(2_000, seed: 12))
        await exchange.publishNext(exchange.history.count)
        let wallet = busiest(exchange)[0]
        let expected = Set(exchange.history.filter { $0.wallet == wallet }.map(\.transactionHash))
        var faults = SimFaults()
        faults.noDataV2 = true
        await exchange.setFaults(faults)
        try await withSimulator(exchange) { base, _ in
            try await withTestDatabase { store, _ in
                let transport = HTTPTransport(logger: logger)
                defer { Task { try? await transport.shutdown() } }
                let summary = try await BackfillCommand.backfill(
                    store: store, dataAPI: DataAPIClient(baseURL: base + "/data-api", transport: transport),
                    wallets: [wallet], since: 1, now: 2_000_000_000, logger: logger, progress: { _ in })
                #expect(summary.complete == 1 && summary.sources == ["v1"])
                let stored = try await store.trades.trades(wallet: wallet, since: 0)
                #expect(Set(stored.map(\.trade.transactionHash)) == expected)
            }
        }
    }

    @Test func sinceIsADayOrATime() {
        #expect(BackfillCommand.parseSince("2026-11-01") == 1_793_491_200)
        #expect(BackfillCommand.parseSince("2026-11-01T12:00:00") == Int64(1_793_534_400))
        #expect(BackfillCommand.parseSince("yesterday") == nil)
    }
}

/// Progress lines, collected across tasks.
final class Lines: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ s: String) { storage.withLock { $0.append(s) } }
    var all: [String] { storage.withLock { $0 } }
}
