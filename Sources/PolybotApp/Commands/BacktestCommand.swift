import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
import PostgresNIO
import Synchronization

/// `polybot backtest`: would copying have made money, after the delay and the fees, with wallets chosen only from
/// what was known at the time?
///
/// Walk-forward on the event-time engine (``PaperEngine``): at every rescoring time `T` (aligned to the interval, on
/// market time) ``WalkForward`` scores every wallet from the trades before `T` and the resolutions known before `T`
/// (BH across all of them), the basket rule picks the members, their snapshots are stored (the signals record which),
/// and the pipeline — consensus, sizing, risk, paper fills from the tape after the copy delay, the fees — runs on
/// until the next rescoring: the run as the daemon would have booked it. The verdict (``CopyBacktest``) then judges
/// that membership schedule on one pure path against copying every whale trade on the same markets and against
/// ≥ 200 random baskets drawn with the same schedule; the hindsight basket is shown as an unknowable upper bound.
package enum BacktestCommand {
    /// How the basket is formed at each rescoring (``PolybotCore/BasketRule``).
    package typealias BasketRule = PolybotCore.BasketRule

    /// What to backtest.
    package struct Options: Sendable {
        package var tradesPath: String
        package var marketsPath: String
        /// The traded period [from, to) (Unix seconds); scoring also reads trades before `from`.
        package var from: Int64?
        package var to: Int64?
        package var rescoreEverySeconds: Int64
        package var rule: BasketRule
        package var minMembers: Int
        package var whaleMinNotional: Micros?
        package var fees: FeePlan
        package var feesLabel: String
        /// Also run the hindsight basket (every whale trade and the random baskets always run: the verdict needs them).
        package var baselines: Bool
        package var seed: UInt64
        /// Random baskets the walk-forward is ranked against (≥ ``RankTest/minimumBaskets`` for a verdict).
        package var randomBaskets = RankTest.minimumBaskets
        /// How signals are sized (fixed by default: Kelly needs a win probability that point-in-time scores rarely have
        /// before markets resolve, so it would skip most signals and measure nothing).
        package var sizing: AppConfiguration.SizingMode = .fixed
        package var timeZone = TimeZone(identifier: "UTC")!
        /// ERC-20 transfers for funding links (nil: co-trading links only) and which funders count.
        package var transfersPath: String?
        package var funding = FundingDefaults.rules()
        /// Use a second core: the walk-forward's snapshots made ahead of the pipeline, the verdict's random baskets
        /// side by side. False in the daemon (its backtests share the machine with live trading): each snapshot is
        /// made when its tick asks, the baskets one after another. Either way the result is the same.
        package var concurrent = true
    }

    /// Parses command-line text.
    ///
    /// - Throws: ``ReplayError/badArgument(_:)`` naming the bad value.
    package static func options(
        trades: String, markets: String, from: String?, to: String?, rescoreEvery: String, basket: String,
        minMembers: Int, minNotional: String?, fees: String, baselines: Bool, seed: UInt64, sizing: String = "fixed",
        randomBaskets: Int = RankTest.minimumBaskets, transfers: String? = nil, fundingExcluded: [String] = []
    ) throws -> Options {
        guard let sizingMode = AppConfiguration.SizingMode(rawValue: sizing) else {
            throw ReplayError.badArgument("--sizing must be fixed, kelly or proportional, not \(sizing)")
        }
        guard let plan = FeePlan(fees) else {
            throw ReplayError.badArgument("--fees must be 2026, none or RATE:EXPONENT (e.g. 0.04:1), not \(fees)")
        }
        guard let rule = BasketRule(basket) else {
            throw ReplayError.badArgument("--basket must be top:N or markout:N, not \(basket)")
        }
        guard let every = durationSeconds(rescoreEvery), every >= 60 else {
            throw ReplayError.badArgument("--rescore-every must be a duration such as 1d, 12h, 30m (≥ 1 minute)")
        }
        func day(_ text: String?, _ name: String) throws -> Int64? {
            guard let text else { return nil }
            guard let t = ResolutionFileReader.dateTime(text + " 00:00:00") else {
                throw ReplayError.badArgument("\(name) must be YYYY-MM-DD (UTC), not \(text)")
            }
            return t
        }
        guard minMembers >= 1 else { throw ReplayError.badArgument("--min-members must be ≥ 1") }
        let minimum = try minNotional.map { text -> Micros in
            guard let m = Micros(decimal: text), m >= .zero else {
                throw ReplayError.badArgument("--min-notional must be ≥ 0, not \(text)")
            }
            return m
        }
        var o = Options(
            tradesPath: trades, marketsPath: markets, from: try day(from, "--from"), to: try day(to, "--to"),
            rescoreEverySeconds: every, rule: rule, minMembers: minMembers, whaleMinNotional: minimum, fees: plan,
            feesLabel: fees, baselines: baselines, seed: seed, randomBaskets: randomBaskets, sizing: sizingMode)
        o.transfersPath = transfers
        o.funding = FundingDefaults.rules(
            extraExcluded: try ReplayCommand.addresses(fundingExcluded, option: "--funding-excluded"))
        return o
    }

    /// `1d`, `12h`, `30m`, `90s` (or bare seconds) → seconds.
    static func durationSeconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        if let last = text.last, let unit = units[last], let n = Int64(text.dropLast()), n > 0 { return n * unit }
        return Int64(text).flatMap { $0 > 0 ? $0 : nil }
    }

    /// What the pipeline's run leaves in its store that the report needs.
    struct PipelineResult: Sendable {
        var signals: [SignalLine]
        var equity: [EquityPoint]
        var delayTotal: Micros
        var summary: PipelineSummary
    }

    /// Runs the backtest and its baselines.
    ///
    /// - Throws: file, argument and database errors.
    package static func run(config base: AppConfiguration, options: Options, logger: Logger) async throws -> Report {
        let all = try ReplayCommand.readTrades(options.tradesPath, timeZone: options.timeZone)
        let resolutions = try ResolutionFileReader.read(path: options.marketsPath)
        guard !resolutions.isEmpty else {
            throw ReplayError.badArgument("\(options.marketsPath) holds no resolutions: nothing can be judged")
        }
        return try await run(config: base, options: options, all: all, resolutions: resolutions, logger: logger)
    }

    /// The pure path's view of the history's markets: tick, minimum size, fees, event, winner (evaluation only).
    package static func simulationMarkets(
        _ history: HistoryBooks, resolutions: [String: MarketResolution]
    ) -> [String: CopySimulation.Market] {
        history.markets.mapValues { m in
            CopySimulation.Market(
                tick: Micros(m.tickSize.micros), minimumShares: m.minOrderSize,
                // The plan the history was built with: no schedule = the plan charges none (as the fee port reads it).
                fees: m.fees.map { $0.enabled ? $0.schedule : .free } ?? .free,
                event: m.eventSlug.isEmpty ? m.conditionId : m.eventSlug,
                winner: resolutions[m.conditionId]?.winningToken)
        }
    }

    /// The copy rules the pure path shares with the pipeline's settings.
    package static func copyRules(_ config: AppConfiguration, whaleMinNotional: Micros?) -> CopySimulation.Rules {
        let settings = config.pipelineSettings()
        return CopySimulation.Rules(
            consensus: settings.consensusRule,
            whaleMinNotional: whaleMinNotional ?? settings.whaleRules.minNotional,
            slippage: config.riskMaxSlippage, fixedOrder: config.fixedOrder,
            copyDelaySeconds: Int64(config.copyDelaySeconds), lifetimeSeconds: Int64(config.orderLifetimeSeconds))
    }

    /// Runs the backtest and its baselines on trades in time order and resolutions (only those with a time are used,
    /// from that time on) — a file's, or the daemon's stored history.
    ///
    /// - Throws: argument and database errors.
    package static func run(
        config base: AppConfiguration, options: Options, all recorded: [Trade],
        resolutions: [String: MarketResolution], logger: Logger
    ) async throws -> Report {
        var config = base
        config.sizingMode = options.sizing
        let clusters = try clusterEvidence(config: config, options: options, all: recorded, logger: logger)
        let all = clusters.removingWash(recorded)
        let from = options.from ?? all.first?.timestamp ?? 0
        let to = options.to ?? (all.last?.timestamp ?? 0) + 1
        let rows = all.filter { $0.timestamp >= from && $0.timestamp < to }
        guard !rows.isEmpty else { throw ReplayError.badArgument("no trades between --from and --to") }
        logger.info("backtest: trades read", metadata: ["trades": "\(all.count)", "period": "\(rows.count)"])
        let history = PaperEngine.history(rows, fees: options.fees)
        let parameters = config.scoringParameters

        // 1. The walk-forward through the daemon's pipeline (its schedule rescores on market time).
        // Each snapshot is made on a thread of its own while the pipeline runs the period before its tick.
        let ahead = WalkAhead(
            WalkForward(all: all, resolutions: resolutions, parameters: parameters, rule: options.rule),
            startMs: PaperEngine.clockStartMs(rows), every: options.rescoreEverySeconds,
            lead: options.concurrent ? WalkAhead.lead : 0)
        defer { ahead.stop() }
        var run = PaperEngine.Run(
            rows: rows, history: history, speed: nil, minMembers: options.minMembers,
            whaleMinNotional: options.whaleMinNotional, members: [], scores: [])
        run.clusters = clusters.clusters
        run.resolution = { conditionId, now in
            guard let r = resolutions[conditionId], let winner = r.winningToken, let at = r.resolvedAt, at < now
            else { return nil }
            return (true, winner)
        }
        run.every = (
            .seconds(options.rescoreEverySeconds),
            { store, basketId, now in
                let chosen = try await ahead.members(at: now)
                try await store.scores.insertSnapshots(chosen, runId: nil)
                let keep = Set(chosen.map(\.wallet))
                let current = try await store.baskets.members(basketId: basketId)
                for m in current where !keep.contains(m.wallet) {
                    try await store.baskets.removeMember(basketId: basketId, wallet: m.wallet)
                }
                let present = Set(current.map(\.wallet))
                for w in keep.sorted() where !present.contains(w) {
                    try await store.whales.upsert(Whale(address: w, label: "backtest basket"))
                    try await store.baskets.upsertMember(basketId: basketId, BasketMember(wallet: w))
                }
            }
        )
        logger.info("backtest: walk-forward through the pipeline")
        let equity = config.startingEquity
        let booked = try await PaperEngine.run(config: config, run, logger: logger) { store, now in
            try await collect(store: store, resolutions: resolutions, now: now, equity: equity)
        }
        ahead.stop()
        let rescorings = ahead.rescorings
        logger.info(
            "backtest: pipeline done",
            metadata: ["waited for the walk-forward": "\(ahead.waited.formatted(.units(allowed: [.seconds])))"])

        // 2. The verdict: that membership schedule, every whale trade, random baskets and hindsight on one pure path.
        let evidence = evidence(
            config: config, options: options, all: all, rows: rows, history: history, resolutions: resolutions,
            rescorings: rescorings, clusters: clusters.clusters, logger: logger)
        var baselines = [RunSummary(evidence.everyWhale)]
        var random = RunSummary(evidence.everyWhale)
        random.name = "random baskets (\(evidence.random.baskets), same schedule)"
        random.basketSize = evidence.main.basketSize
        random.returnOnCost = evidence.random.median
        random.returnLow = evidence.random.median
        random.returnHigh = evidence.random.p95
        random.note = String(
            format:
                "return: their median; interval column: median … 95th percentile; p: the walk-forward's rank among them; %.1f %% of them pass the event test on their own",
            evidence.random.ownTestPassShare * 100)
        random.edgeSignificant = false
        (random.signals, random.filledEntries, random.events, random.openAtEnd) = (0, 0, 0, 0)
        (random.cost, random.fees, random.pnl, random.pValue) = ("-", "-", "-", evidence.random.pValue)
        baselines.append(random)
        if let h = evidence.hindsight { baselines.append(RunSummary(h)) }
        let verdict = evidence.verdict
        logger.info("backtest: verdict reached", metadata: ["verdict": "\(verdict.sentence)"])
        return Report(
            trades: rows.count, from: from, to: to, rescoreEverySeconds: options.rescoreEverySeconds,
            basketRule: options.rule.description, minMembers: options.minMembers,
            sizing: options.sizing == .fixed ? "fixed \(config.fixedOrder) USDC" : options.sizing.rawValue,
            feePlan: options.feesLabel, copyDelaySeconds: config.copyDelaySeconds,
            participation: Double(config.tapeParticipationBps) / 10_000,
            falseDiscoveryRate: parameters.falseDiscoveryRate,
            undatedResolutions: resolutions.values.filter { $0.winningToken != nil && $0.resolvedAt == nil }.count,
            rescorings: rescorings, signals: booked.signals, pipeline: booked.summary, equity: booked.equity,
            maxDrawdown: Drawdown.maximum(
                [Double(config.startingEquity.raw) / 1e6]
                    + booked.equity.compactMap { Micros(decimal: $0.equity).map { Double($0.raw) / 1e6 } }),
            copyDelayCostTotal: "\(booked.delayTotal)", main: RunSummary(evidence.main), baselines: baselines,
            tests: verdict, sensitivity: evidence.sensitivity, copyability: Copyability.perWallet(evidence.positions),
            edgeSignificant: verdict.edgeSignificant, verdict: verdict.sentence)
    }

    /// The verdict's evidence for a walk-forward's rescorings (``CopyBacktest``): the same membership schedule,
    /// every whale trade, random baskets and (with `options.baselines`) the hindsight basket on one pure path.
    static func evidence(
        config: AppConfiguration, options: Options, all: [Trade], rows: [Trade], history: HistoryBooks,
        resolutions: [String: MarketResolution], rescorings: [Rescoring], clusters: WalletClusters, logger: Logger
    ) -> CopyBacktest.Evidence {
        logger.info("backtest: evidence", metadata: ["random baskets": "\(options.randomBaskets)"])
        let parameters = config.scoringParameters
        let rules = copyRules(config, whaleMinNotional: options.whaleMinNotional)
        var simulation = CopySimulation(
            trades: rows, markets: simulationMarkets(history, resolutions: resolutions), rules: rules,
            participationBps: config.tapeParticipationBps)
        simulation.clusters = clusters
        var hindsight: [Address]?
        if options.baselines {
            // Scored on the whole file with every resolution — not knowable at the time: an upper bound.
            let end = (all.last?.timestamp ?? 0) + 1
            let scored = WalletScoring.scoreAll(trades: all, resolutions: resolutions, now: end, parameters: parameters)
            hindsight = scored.map(\.score).filter {
                $0.walletClass != .bot && $0.walletClass != .marketMaker
                    && $0.resolvedMarkets >= parameters.informedMinResolvedMarkets && ($0.edge ?? 0) > 0
            }.sorted {
                BasketRule.lowerBound($0) != BasketRule.lowerBound($1)
                    ? BasketRule.lowerBound($0) > BasketRule.lowerBound($1) : $0.wallet < $1.wallet
            }.prefix(max(options.rule.size, options.minMembers)).map(\.wallet)
        }
        return CopyBacktest.evaluate(
            simulation,
            plan: CopyBacktest.Plan(
                schedule: rescorings.map {
                    CopySimulation.Membership(time: $0.time, members: Set($0.basket.compactMap(Address.init)))
                }, minMembers: options.minMembers,
                firstWhaleTrade: CopyBacktest.firstWhaleTrades(all, minimum: rules.whaleMinNotional),
                hindsight: hindsight, randomBaskets: options.randomBaskets, seed: options.seed,
                concurrent: options.concurrent))
    }

    /// The verdict's evidence alone, without the pipeline run: the walk-forward's rescorings at the times the replay
    /// clock would tick, then ``evidence(config:options:all:rows:history:resolutions:rescorings:logger:)``. What the
    /// generated-world checks and `polybot-bench` run over many seeds.
    package static func evidenceOnly(
        config base: AppConfiguration, options: Options, all recorded: [Trade],
        resolutions: [String: MarketResolution], logger: Logger
    ) throws -> (rescorings: [Rescoring], evidence: CopyBacktest.Evidence) {
        let clusters = try clusterEvidence(config: base, options: options, all: recorded, logger: logger)
        let all = clusters.removingWash(recorded)
        let from = options.from ?? all.first?.timestamp ?? 0
        let to = options.to ?? (all.last?.timestamp ?? 0) + 1
        let rows = all.filter { $0.timestamp >= from && $0.timestamp < to }
        guard let last = rows.last else {
            throw ReplayError.badArgument("no trades between --from and --to")
        }
        var walk = WalkForward(
            all: all, resolutions: resolutions, parameters: base.scoringParameters, rule: options.rule)
        for t in WalkForward.times(
            startMs: PaperEngine.clockStartMs(rows), every: options.rescoreEverySeconds, through: last.timestamp)
        {
            _ = walk.rescore(at: t)
        }
        let history = PaperEngine.history(rows, fees: options.fees)
        let evidence = evidence(
            config: base, options: options, all: all, rows: rows, history: history, resolutions: resolutions,
            rescorings: walk.rescorings, clusters: clusters.clusters, logger: logger)
        return (walk.rescorings, evidence)
    }

    /// Settles what is still open by the resolutions file (evaluation only: the run is over), then reads the run.
    static func collect(
        store: PolybotStore, resolutions: [String: MarketResolution], now: Int64, equity start: Micros
    ) async throws -> PipelineResult {
        for p in try await store.positions.openPositions(mode: .paper) {
            guard let r = resolutions[p.conditionId], let winner = r.winningToken else { continue }
            _ = try await store.execution.settle(
                positionId: p.id, won: winner == p.asset, day: utcDay(now), equity: start)
        }
        let rows = try await store.paperRun.signals()
        let snapshotTime = try await store.paperRun.snapshotTimes(ids: rows.flatMap(\.scoreIds))
        var signals: [SignalLine] = []
        var delayTotal = Micros.zero
        var filled = 0
        var signalTime: [Int64: Int64] = [:]
        for r in rows {
            signalTime[r.signalId] = r.time
            let shares = r.filled ?? .zero
            var delay: Micros?
            var result = "not filled"
            if shares > .zero, let cost = r.cost {
                filled += 1
                delay = cost - shares.multiplied(by: r.whalePrice)
                delayTotal += delay!
                if let winner = resolutions[r.conditionId]?.winningToken {
                    result = winner == r.asset ? "won" : "lost"
                } else {
                    result = "unresolved"
                }
            }
            let share = r.ordered.flatMap { o in o > .zero ? Double(shares.raw) / Double(o.raw) : nil }
            signals.append(
                SignalLine(
                    signalId: r.signalId, time: r.time, market: r.conditionId, outcome: r.outcome,
                    agreeing: r.votes?.count ?? r.agreeing, clusters: r.votes ?? r.wallets.map { [$0] },
                    snapshotIds: r.scoreIds,
                    snapshotsAsOf: r.scoreIds.compactMap { snapshotTime[$0] }.max(), whalePrice: "\(r.whalePrice)",
                    status: r.status, reason: r.reason, limit: r.limit.map { "\($0)" },
                    ourPrice: r.averagePrice.map { "\($0)" }, shares: shares > .zero ? "\(shares)" : nil,
                    shareFilled: share,
                    unfilled: share.flatMap { $0 < 1 ? r.orderError ?? r.reason : nil },
                    cost: r.cost.flatMap { $0 > .zero ? "\($0)" : nil },
                    fee: shares > .zero ? r.fee.map { "\($0)" } : nil, copyDelayCost: delay.map { "\($0)" },
                    result: result))
        }
        let positions = try await store.positions.list(mode: .paper, statuses: nil, limit: 1_000_000)
        let paid = try await store.paperRun.paidByMarket()
        var closed: [(time: Int64, id: Int64, pnl: Micros)] = []
        var open = 0
        for p in positions {
            guard p.status != .open else {
                open += 1
                continue
            }
            closed.append((p.entrySignalId.flatMap { signalTime[$0] } ?? 0, p.id, p.realizedPnl))
        }
        var equity: [EquityPoint] = []
        var running = start
        for c in closed.sorted(by: { ($0.time, $0.id) < ($1.time, $1.id) }) {
            running += c.pnl
            equity.append(EquityPoint(time: c.time, equity: "\(running)"))
        }
        return PipelineResult(
            signals: signals, equity: equity, delayTotal: delayTotal,
            summary: PipelineSummary(
                signals: signals.count, filledEntries: filled, cost: "\(Micros.sum(Array(paid.values)))",
                fees: "\(Micros.sum(positions.map(\.fees)))", pnl: "\(Micros.sum(positions.map(\.realizedPnl)))",
                openAtEnd: open))
    }
}
