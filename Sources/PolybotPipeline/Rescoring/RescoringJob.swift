import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket

/// The nightly rescoring: backfills tracked and candidate wallets from the Data API, discovers candidates,
/// refreshes market resolutions from Gamma (chunk by chunk), then scores every wallet of the run together as of the
/// scoring time — one fold, Benjamini–Hochberg across all of them — writes immutable snapshots, and promotes
/// informed wallets / demotes decayed ones with the reason in the audit log. Resumable: progress is recorded after
/// every backfill chunk, and a re-run continues an unfinished run with the same scoring time.
package struct RescoringJob: Sendable {
    /// Settings.
    package struct Configuration: Sendable {
        /// Wallets with a trade of at least this much in the lookback become candidates.
        package var candidateMinNotional = Micros(10_000_000_000)
        package var candidateLookbackSeconds: Int64 = 7 * 86_400
        /// Leaderboard entries to consider as candidates (0 = none).
        package var leaderboardCandidates = 50
        /// Wallets per chunk (one progress record per chunk).
        package var chunkSize = 500
        /// A candidate classified informed with at least this win-rate lower bound is promoted to tracked.
        package var promoteLowerBound = 0.5
        /// Markets (the tracked whales' most recent) whose top holders become candidates (0 = none).
        package var holderMarkets = 10
        /// Trades per page of the history the scoring fold reads.
        package var historyPageSize = 50_000

        /// Defaults.
        package init() {}
    }

    /// What a run did.
    package struct Report: Sendable {
        package var runId: Int64
        package var resumed: Bool
        package var wallets: Int
        package var scored: Int
        package var backfilledTrades: Int
        package var promoted: [Address]
        package var demoted: [(Address, String)]
        /// How the scores were folded: incremental from a run, or a full re-fold and why.
        package var fold = ""
        /// Trades the fold read this run.
        package var tradesFolded = 0
    }

    let store: PolybotStore
    let dataAPI: DataAPIClient?
    let gamma: GammaClient?
    let parameters: ScoringParameters
    let decay: DecayDetector
    let configuration: Configuration
    let logger: Logger

    /// Creates a job. Without `dataAPI` nothing is backfilled or discovered from the leaderboard; without `gamma`
    /// resolutions come only from the markets table.
    package init(
        store: PolybotStore, dataAPI: DataAPIClient?, gamma: GammaClient?,
        parameters: ScoringParameters = ScoringParameters(),
        decay: DecayDetector = DecayDetector(), configuration: Configuration = Configuration(), logger: Logger
    ) {
        self.store = store
        self.dataAPI = dataAPI
        self.gamma = gamma
        self.parameters = parameters
        self.decay = decay
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs (or resumes) a rescoring.
    ///
    /// - Parameters:
    ///   - trigger: why it runs.
    ///   - now: scoring time for a new run (a resumed run keeps its own).
    ///   - only: score just this wallet (no resume, no discovery).
    ///   - stopAfterWallets: stop (as if interrupted) once this many wallets are done — for tests and drills.
    ///   - full: re-fold the whole history even when the last run's checkpoint could be continued.
    ///   - progress: called after every chunk with (done, total).
    /// - Throws: `CancellationError` when interrupted (the run is marked `interrupted` and can be resumed).
    package func run(
        trigger: ScoringTrigger, now: Int64, only: Address? = nil, stopAfterWallets: Int? = nil, full: Bool = false,
        progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        let resumed = only == nil ? try await store.scores.unfinishedRun() : nil
        let wallets: [Address]
        if let only {
            wallets = [only]
            if try await store.whales.get(only) == nil {
                try await store.whales.upsert(Whale(address: only, tracked: true, source: .manual))
            }
        } else if resumed != nil {
            // A resumed run finishes the wallet set its start discovered (candidates were stored as whales then).
            wallets = try await store.whales.all().map(\.address).sorted()
        } else {
            wallets = try await discoverWallets(now: now)
        }
        let run: ScoringRun
        if let resumed {
            run = resumed
        } else {
            run = try await store.scores.startRun(trigger: trigger, walletsTotal: wallets.count, scoringTime: now)
        }
        let scoringTime = run.scoringTime
        let remaining = wallets.filter { w in run.cursorWallet.map { w > $0 } ?? true }
        var report = Report(
            runId: run.id, resumed: resumed != nil, wallets: wallets.count, scored: run.walletsScored,
            backfilledTrades: 0, promoted: [], demoted: [])
        logger.info(
            "rescoring",
            metadata: [
                "rescore.run": "\(run.id)", "rescore.resumed": "\(resumed != nil)",
                "rescore.wallets": "\(wallets.count)",
                "rescore.remaining": "\(remaining.count)",
            ])
        var resolutions = try await store.markets.resolutions()
        var start = 0
        do {
            while start < remaining.count {
                try Task.checkCancellation()
                if let limit = stopAfterWallets, report.scored >= limit { throw CancellationError() }
                let end = min(
                    start + configuration.chunkSize, remaining.count,
                    stopAfterWallets.map { start + max(1, $0 - report.scored) } ?? .max)
                let chunk = Array(remaining[start..<end])
                report.backfilledTrades += try await backfill(chunk, until: scoringTime)
                if try await refreshMarkets(for: chunk, known: resolutions) {
                    resolutions = try await store.markets.resolutions()
                }
                report.scored += chunk.count
                try await store.scores.recordProgress(runId: run.id, walletsScored: report.scored, cursor: chunk.last)
                progress(report.scored, wallets.count)
                start = end
            }
            // Scored together once every wallet's trades and markets are in: the false discovery rate is controlled
            // across the whole run, not per chunk.
            let outcome = try await score(
                wallets, runId: run.id, scoringTime: scoringTime, resolutions: resolutions, full: full,
                save: only == nil)
            report.promoted += outcome.promoted
            report.demoted += outcome.demoted
            report.fold = outcome.mode.description
            report.tradesFolded = outcome.trades
        } catch {
            let interrupted = error is CancellationError
            try? await store.scores.finishRun(
                runId: run.id, status: interrupted ? .interrupted : .failed,
                error: interrupted ? "interrupted" : String(describing: error))
            logger.warning(
                "rescoring stopped",
                metadata: [
                    "rescore.run": "\(run.id)", "rescore.scored": "\(report.scored)",
                    "rescore.error": "\(error)",
                ])
            throw error
        }
        try await store.scores.finishRun(runId: run.id, status: .completed, error: nil)
        logger.info(
            "rescoring completed",
            metadata: [
                "rescore.run": "\(run.id)", "rescore.scored": "\(report.scored)",
                "rescore.promoted": "\(report.promoted.count)",
                "rescore.demoted": "\(report.demoted.count)", "rescore.backfilled": "\(report.backfilledTrades)",
            ])
        return report
    }

    // MARK: - Steps

    /// Tracked and known whales, plus candidates: big recent traders in our data and the leaderboard.
    private func discoverWallets(now: Int64) async throws -> [Address] {
        var all = Set(try await store.whales.all().map(\.address))
        var fresh: [Whale] = []
        for w in try await store.trades.wallets(
            minNotional: configuration.candidateMinNotional,
            since: now - configuration.candidateLookbackSeconds) where !all.contains(w)
        {
            fresh.append(Whale(address: w, tracked: false, source: .discovered))
            all.insert(w)
        }
        if let dataAPI, configuration.leaderboardCandidates > 0 {
            do {
                for entry in try await dataAPI.leaderboard(limit: configuration.leaderboardCandidates) {
                    guard let w = entry.proxyWallet.flatMap({ Address($0) }), !all.contains(w) else { continue }
                    fresh.append(Whale(address: w, tracked: false, source: .leaderboard))
                    all.insert(w)
                }
            } catch {
                logger.warning(
                    "leaderboard unavailable; continuing without it", metadata: ["rescore.error": "\(error)"])
            }
        }
        if let dataAPI, configuration.holderMarkets > 0 {
            let tracked = try await store.whales.all().filter(\.tracked).map(\.address)
            let markets = try await store.trades.markets(wallets: tracked).sorted().prefix(configuration.holderMarkets)
            if !markets.isEmpty {
                do {
                    for group in try await dataAPI.holders(markets: Array(markets)) {
                        for h in group.holders ?? [] {
                            guard let w = h.proxyWallet.flatMap({ Address($0) }), !all.contains(w) else { continue }
                            fresh.append(Whale(address: w, tracked: false, source: .holders))
                            all.insert(w)
                        }
                    }
                } catch {
                    logger.warning(
                        "holders unavailable; continuing without them", metadata: ["rescore.error": "\(error)"])
                }
            }
        }
        for w in fresh { try await store.whales.upsert(w) }
        return all.sorted()
    }

    /// Pulls each wallet's trades since its newest stored one (an hour of overlap; the natural key dedupes).
    private func backfill(_ wallets: [Address], until: Int64) async throws -> Int {
        guard let dataAPI else { return 0 }
        var inserted = 0
        for w in wallets {
            let since = (try await store.trades.latestTradeTime(wallet: w)).map { $0 - 3_600 } ?? 0
            let rows = try await dataAPI.activityTrades(user: w, start: max(0, since), end: until)
            let trades = rows.compactMap { try? $0.get() }.map { t -> Trade in
                var t = t
                t.source = .import
                return t
            }
            inserted += try await store.trades.insertBatch(trades)
        }
        return inserted
    }

    /// Asks Gamma about markets we have trades in but no resolution for. Returns whether anything changed.
    private func refreshMarkets(for wallets: [Address], known: [String: MarketResolution]) async throws -> Bool {
        guard let gamma else { return false }
        let missing = try await store.trades.markets(wallets: wallets).subtracting(known.keys).sorted()
        guard !missing.isEmpty else { return false }
        let markets = try await gamma.markets(conditionIds: missing)
        guard !markets.isEmpty else { return false }
        try await store.markets.upsert(markets.map { MarketInfo(gamma: $0) })
        return markets.contains { $0.winningTokenId != nil }
    }

    /// Scores every wallet of the run as of the scoring time (one fold over every stored trade before it,
    /// Benjamini–Hochberg across the run's wallets; see ``RescoringFold``), writes the snapshots, promotes and demotes.
    private func score(
        _ wallets: [Address], runId: Int64, scoringTime: Int64, resolutions: [String: MarketResolution], full: Bool,
        save: Bool
    )
        async throws -> (promoted: [Address], demoted: [(Address, String)], mode: RescoringFold.Mode, trades: Int)
    {
        var phases = Phases()
        let whales = try await store.whales.get(wallets)
        phases.mark("whales read")
        let outcome = try await RescoringFold(
            store: store, parameters: parameters, logger: logger, pageSize: configuration.historyPageSize
        ).run(
            wallets: wallets, runId: runId, scoringTime: scoringTime, resolutions: resolutions, full: full, save: save)
        var byWallet: [Address: WalletScoring.Result] = [:]
        for r in outcome.results { byWallet[r.score.wallet] = r }
        var snapshots: [WalletScore] = []
        var promoted: [Address] = []
        var demoted: [(Address, String)] = []
        for w in wallets {
            let result =
                byWallet[w]
                ?? WalletScoring.score(
                    wallet: w, trades: [], resolutions: resolutions, now: scoringTime, parameters: parameters)
            snapshots.append(result.score)
            guard var whale = whales[w], whale.listStatus != .deny else { continue }
            let closed = outcome.fold.closedPositions(of: w)
            let verdict = decay.evaluate(closed: closed, now: scoringTime)
            if whale.tracked && whale.listStatus != .allow && verdict.decayed {
                whale.tracked = false
                try await store.whales.upsert(whale)
                try await store.audit.append(
                    actor: "rescoring", action: "demote", target: w.hex,
                    details: #"{"reason":\#(jsonString(verdict.reason)),"run":\#(runId)}"#)
                demoted.append((w, verdict.reason))
            } else if !whale.tracked, result.score.walletClass == .informed,
                result.score.winRateLowerBound >= configuration.promoteLowerBound
            {
                whale.tracked = true
                try await store.whales.upsert(whale)
                let previous = try await store.scores.latest(wallets: [w], excludingRun: runId)
                let was = previous[w].map { String(format: "%.2f", $0.winRateLowerBound) } ?? "none"
                let reason =
                    "informed; win-rate lower bound \(String(format: "%.2f", result.score.winRateLowerBound)) (was \(was))"
                try await store.audit.append(
                    actor: "rescoring", action: "promote", target: w.hex,
                    details: #"{"reason":\#(jsonString(reason)),"run":\#(runId)}"#)
                promoted.append(w)
            }
        }
        phases.mark("fold, promotions and demotions")
        try await updateAutoMemberships(promoted: promoted, demoted: demoted.map(\.0))
        // A crash between writing the snapshots and finishing the run leaves them behind: replace them.
        for start in stride(from: 0, to: snapshots.count, by: 5_000) {
            let part = Array(snapshots[start..<min(start + 5_000, snapshots.count)])
            try await store.scores.deleteSnapshots(runId: runId, wallets: part.map(\.wallet))
            try await store.scores.insertSnapshots(part, runId: runId)
        }
        phases.mark("snapshots written")
        // The checkpoint was saved meanwhile; a run whose checkpoint did not save fails (the next one re-folds).
        try await outcome.saving?.value
        phases.mark("checkpoint saved")
        logger.info("scores written", metadata: ["rescore.run": "\(runId)", "rescore.phases": "\(phases)"])
        return (promoted, demoted, outcome.mode, outcome.tradesFolded)
    }

    /// Automatic basket membership: promoted wallets join every enabled basket without a category (general
    /// baskets); demoted wallets leave the baskets they joined automatically (manual memberships stay).
    private func updateAutoMemberships(promoted: [Address], demoted: [Address]) async throws {
        guard !promoted.isEmpty || !demoted.isEmpty else { return }
        for basket in try await store.baskets.list() where basket.enabled {
            let members = try await store.baskets.members(basketId: basket.id)
            let auto = Set(members.filter { $0.membership == .auto }.map(\.wallet))
            let present = Set(members.map(\.wallet))
            if basket.category.isEmpty {
                for w in promoted where !present.contains(w) {
                    try await store.baskets.upsertMember(
                        basketId: basket.id, BasketMember(wallet: w, membership: .auto))
                }
            }
            for w in demoted where auto.contains(w) {
                try await store.baskets.removeMember(basketId: basket.id, wallet: w)
            }
        }
    }
}
