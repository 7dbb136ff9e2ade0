import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import PostgresNIO
import Testing

/// The nightly rescoring against the simulator's Data API and Gamma, with a real PostgreSQL.
@Suite("Nightly rescoring")
struct RescoringJobTests {
    let logger = Logger(label: "test.rescore")
    let scoringTime: Int64 = 1_770_000_000

    func venue() -> (SimExchange, [Address]) {
        // One market per event: the generator draws every outcome on its own, and promotion needs independent draws.
        var options = TradeHistoryGenerator.Options(trades: 8_000, wallets: 150, markets: 40, seed: 77)
        options.marketsPerEvent = 1
        let generator = TradeHistoryGenerator(options: options)
        var trades: [Trade] = []
        generator.generate { trades.append($0) }
        let resolutions = generator.markets.map {
            HistoryCatalog.Resolution(
                conditionId: $0.conditionId, question: $0.question, eventSlug: $0.eventSlug,
                yesToken: $0.tokens[0], noToken: $0.tokens[1], winningIndex: $0.winner)
        }
        // The venue's 2026 fee schedules: the job's market refresh stores them with each market (issue 15).
        return (
            SimExchange(trades: trades, resolutions: resolutions, fees: { FeePlan.venue2026.fees(for: $0) }),
            generator.wallets.prefix(30).map(\.address)
        )
    }

    /// Seeds 30 tracked whales, runs the job (optionally interrupted and resumed), returns every wallet's newest score.
    func rescore(base: String, seed: [Address], interruptAfter: Int?) async throws -> [Address: WalletScore] {
        try await withTestDatabase { store, _ in
            for w in seed { try await store.whales.upsert(Whale(address: w, tracked: true)) }
            let general = try await store.baskets.create(Basket(name: "general"))
            let transport = HTTPTransport(logger: logger)
            defer { Task { try? await transport.shutdown() } }
            var config = RescoringJob.Configuration()
            config.chunkSize = 7
            config.leaderboardCandidates = 20
            let job = RescoringJob(
                store: store, dataAPI: DataAPIClient(baseURL: base + "/data-api", transport: transport),
                gamma: GammaClient(baseURL: base + "/gamma", transport: transport), configuration: config,
                logger: logger)
            var firstRun: Int64?
            if let interruptAfter {
                await #expect(throws: CancellationError.self) {
                    _ = try await job.run(trigger: .scheduled, now: scoringTime, stopAfterWallets: interruptAfter)
                }
                let unfinished = try #require(try await store.scores.unfinishedRun())
                #expect(unfinished.status == .interrupted && unfinished.walletsScored == interruptAfter)
                firstRun = unfinished.id
            }
            // A resumed run is handed a later clock but must still score as of its own start.
            let report = try await job.run(
                trigger: .scheduled, now: interruptAfter == nil ? scoringTime : scoringTime + 86_400)
            if let firstRun { #expect(report.resumed && report.runId == firstRun) }
            // Markets refreshed from Gamma carry the schedule Gamma states.
            let stored = try await store.markets.resolutions().keys.sorted()
            let markets = try await store.markets.get(stored)
            #expect(!markets.isEmpty)
            for m in markets.values {
                guard case .charged(let schedule, let type) = m.fees else {
                    Issue.record("market \(m.conditionId) stored without its fees: \(m.fees)")
                    continue
                }
                #expect(schedule == FeePlan.schedule2026(category: type ?? ""))
            }
            #expect(try await store.scores.run(id: report.runId)?.status == .completed)
            // Promoted wallets joined the general basket automatically, each with an audit entry.
            let promotedNow = Set(
                try await store.audit.recent(limit: 1_000).filter { $0.action == "promote" }.compactMap {
                    Address($0.target)
                })
            let autoMembers = Set(
                try await store.baskets.members(basketId: general.id).filter { $0.membership == .auto }.map(\.wallet))
            #expect(!promotedNow.isEmpty && autoMembers == promotedNow)
            var out: [Address: WalletScore] = [:]
            for w in try await store.whales.all() { out[w.address] = try await store.scores.latest(w.address) }
            // Promotion needs a positive edge that survived BH across the run; the snapshot says why, with its id.
            for w in promotedNow {
                let s = try #require(out[w])
                #expect(s.walletClass == .informed && (s.qValue ?? 1) <= 0.10 && (s.edge ?? 0) > 0)
                #expect(s.classBasis?.rule.hasPrefix("informed") == true && s.snapshotId != nil)
                #expect(s.resolvedMarkets >= 5)
            }
            // Snapshots are immutable.
            await #expect(throws: (any Error).self) {
                try await store.db.client.query("UPDATE wallet_scores SET edge = 0", logger: logger)
            }
            // A second full run adds snapshots; the previous one stays readable.
            let second = try await job.run(trigger: .manual, now: scoringTime + 2 * 86_400)
            #expect(second.runId != report.runId && !second.resumed)
            let history = try await store.scores.history(seed[0], limit: 5)
            #expect(history.count == 2 && history[1].computedAt == scoringTime)
            return out
        }
    }

    @Test func interruptedRunResumesToTheSameResultAsAnUninterruptedOne() async throws {
        let (exchange, seed) = venue()
        await exchange.publishNext(10_000)
        let (interrupted, straight) = try await withSimulator(exchange) { base, _ in
            (
                try await rescore(base: base, seed: seed, interruptAfter: 14),
                try await rescore(base: base, seed: seed, interruptAfter: nil)
            )
        }
        #expect(interrupted.count == straight.count && interrupted.count >= 30)
        #expect(interrupted == straight)
        // Backfill and Gamma resolutions made real scores: some wallets closed positions at resolution.
        #expect(straight.values.contains { $0.closedPositions > 0 && $0.computedAt == scoringTime })
    }
}
