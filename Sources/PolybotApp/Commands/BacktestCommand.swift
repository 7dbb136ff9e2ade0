import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
import PolymarketSim
import PostgresNIO
import Synchronization

/// `polybot backtest`: would copying have made money, after the delay and the fees, with wallets chosen only from
/// what was known at the time?
///
/// Walk-forward on the event-time engine (``PaperEngine``): at every rescoring time `T` (aligned to the interval, on
/// market time) the ``ScoreFold`` scores every wallet from the trades before `T` and the resolutions known before `T`
/// (BH across all of them), the basket rule picks the members, their snapshots are stored (the signals record which),
/// and the pipeline — consensus, sizing, risk, paper fills with the copy delay and the fees — runs on until the next
/// rescoring. Positions settle when their market resolves (on market time); those still open at the end are settled by
/// the resolutions file for evaluation only. The same run is repeated for baselines: every whale trade (no scoring),
/// a random basket of the same size, and the hindsight basket (scored on everything: an upper bound, labelled so).
package enum BacktestCommand {
    /// How the basket is formed at each rescoring.
    package enum BasketRule: Sendable, Hashable, CustomStringConvertible {
        /// The top N `informed` wallets (a positive edge surviving BH), by the edge's 95 % lower bound.
        case topInformed(Int)
        /// The top N wallets (not bots or market makers) by cost-weighted 1 h markout over ≥ 20 trades: early skill,
        /// before markets resolve. No false-discovery control: exploratory.
        case topMarkout(Int)

        /// `top:N` or `markout:N`.
        package init?(_ text: String) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let n = Int(parts[1]), n > 0 else { return nil }
            switch parts[0] {
            case "top": self = .topInformed(n)
            case "markout": self = .topMarkout(n)
            default: return nil
            }
        }

        package var description: String {
            switch self {
            case .topInformed(let n): "top:\(n)"
            case .topMarkout(let n): "markout:\(n)"
            }
        }

        var size: Int {
            switch self {
            case .topInformed(let n), .topMarkout(let n): n
            }
        }

        /// The members chosen from a snapshot.
        func choose(_ results: [WalletScoring.Result]) -> [WalletScore] {
            switch self {
            case .topInformed(let n):
                return results.map(\.score).filter { $0.walletClass == .informed }.sorted {
                    Self.lowerBound($0) != Self.lowerBound($1)
                        ? Self.lowerBound($0) > Self.lowerBound($1) : $0.wallet < $1.wallet
                }.prefix(n).map { $0 }
            case .topMarkout(let n):
                let eligible = results.map(\.score).filter { s in
                    s.walletClass != .bot && s.walletClass != .marketMaker && s.markoutTrades >= 20
                        && (s.markout1h ?? 0) > 0
                }
                let ranked = eligible.sorted { (a: WalletScore, b: WalletScore) -> Bool in
                    let x = a.markout1h ?? 0
                    let y = b.markout1h ?? 0
                    return x != y ? x > y : a.wallet < b.wallet
                }
                return Array(ranked.prefix(n))
            }
        }

        /// The score's edge lower bound (``WalletScore/edgeLowerBound``); a wallet without that evidence ranks last.
        static func lowerBound(_ s: WalletScore) -> Double { s.edgeLowerBound ?? -.infinity }
    }

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
        package var fees: SimFeePlan
        package var feesLabel: String
        package var baselines: Bool
        package var seed: UInt64
        /// How signals are sized (fixed by default: Kelly needs a win probability that point-in-time scores rarely have
        /// before markets resolve, so it would skip most signals and measure nothing).
        package var sizing: AppConfiguration.SizingMode = .fixed
        package var timeZone = TimeZone(identifier: "UTC")!
    }

    /// One signal of the walk-forward run.
    package struct SignalLine: Sendable, Codable {
        package var signalId: Int64
        package var time: Int64
        package var market: String
        package var outcome: String
        package var agreeing: Int
        /// The score snapshots that made the agreeing wallets count.
        package var snapshotIds: [Int64]
        /// The newest of those snapshots' times: never after the signal.
        package var snapshotsAsOf: Int64?
        package var whalePrice: String
        package var status: String
        package var reason: String
        package var ourPrice: String?
        package var shares: String?
        package var cost: String?
        package var fee: String?
        package var copyDelayCost: String?
        /// won, lost, unresolved (market not resolved in the file), or not filled.
        package var result: String
    }

    /// One rescoring of the walk-forward run.
    package struct Rescoring: Sendable, Codable {
        package var time: Int64
        package var walletsScored: Int
        package var walletsTested: Int
        package var informed: Int
        package var basket: [String]
    }

    /// One run's money and evidence.
    package struct RunSummary: Sendable, Codable {
        package var name: String
        package var basketSize: Int
        package var signals: Int
        package var filledEntries: Int
        package var cost: String
        package var fees: String
        package var pnl: String
        /// Σ PnL / Σ cost over resolved positions, with its market-clustered bootstrap interval.
        package var returnOnCost: Double?
        package var interval: EdgeInterval?
        package var edgeSignificant: Bool
        package var openAtEnd: Int
        package var note: String
    }

    /// Equity after each copied position, in entry order, at its final PnL.
    package struct EquityPoint: Sendable, Codable {
        package var time: Int64
        package var equity: String
    }

    /// The backtest's report.
    package struct Report: Sendable, Codable {
        package var trades: Int
        package var from: Int64
        package var to: Int64
        package var rescoreEverySeconds: Int64
        package var basketRule: String
        package var minMembers: Int
        /// fixed (POLYBOT_FIXED_ORDER_USDC per signal), kelly or proportional.
        package var sizing: String
        package var feePlan: String
        package var copyDelaySeconds: Int
        package var falseDiscoveryRate: Double
        /// Markets whose resolution has no time: never used before the end.
        package var undatedResolutions: Int
        package var rescorings: [Rescoring]
        package var signals: [SignalLine]
        package var equity: [EquityPoint]
        package var maxDrawdown: Drawdown
        package var copyDelayCostTotal: String
        package var main: RunSummary
        package var baselines: [RunSummary]
        package var copyability: [Copyability]
        /// The verdict as a boolean: the main run's return on cost after fees is above zero at 95 %.
        package var edgeSignificant: Bool
        package var verdict: String
    }

    /// Parses command-line text.
    ///
    /// - Throws: ``ReplayError/badArgument(_:)`` naming the bad value.
    package static func options(
        trades: String, markets: String, from: String?, to: String?, rescoreEvery: String, basket: String,
        minMembers: Int, minNotional: String?, fees: String, baselines: Bool, seed: UInt64, sizing: String = "fixed"
    ) throws -> Options {
        guard let sizingMode = AppConfiguration.SizingMode(rawValue: sizing) else {
            throw ReplayError.badArgument("--sizing must be fixed, kelly or proportional, not \(sizing)")
        }
        guard let plan = SimFeePlan(fees) else {
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
        return Options(
            tradesPath: trades, marketsPath: markets, from: try day(from, "--from"), to: try day(to, "--to"),
            rescoreEverySeconds: every, rule: rule, minMembers: minMembers, whaleMinNotional: minimum, fees: plan,
            feesLabel: fees, baselines: baselines, seed: seed, sizing: sizingMode)
    }

    /// `1d`, `12h`, `30m`, `90s` (or bare seconds) → seconds.
    static func durationSeconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        if let last = text.last, let unit = units[last], let n = Int64(text.dropLast()), n > 0 { return n * unit }
        return Int64(text).flatMap { $0 > 0 ? $0 : nil }
    }

    /// The walk-forward scoring state shared with the schedule.
    final class WalkForward: Sendable {
        struct State: Sendable {
            var fold: ScoreFold
            var next = 0
            var rescorings: [Rescoring] = []
            var largestBasket = 0
        }

        let all: [Trade]
        let rule: BasketRule?
        let fixed: [Address]?
        let state: Mutex<State>

        /// A rule's walk-forward (`rule`), or a fixed basket whose snapshots are still taken point in time.
        init(
            all: [Trade], resolutions: [String: MarketResolution], parameters: ScoringParameters, rule: BasketRule?,
            fixed: [Address]?
        ) {
            self.all = all
            self.rule = rule
            self.fixed = fixed
            state = Mutex(State(fold: ScoreFold(resolutions: resolutions, parameters: parameters)))
        }

        /// Scores as of `t` and returns the snapshots of the members to hold from `t`.
        func rescore(at t: Int64) -> [WalletScore] {
            state.withLock { s in
                while s.next < all.count && all[s.next].timestamp < t {
                    s.fold.add(all[s.next])
                    s.next += 1
                }
                let results = s.fold.snapshot(asOf: t)
                let chosen: [WalletScore]
                if let rule {
                    chosen = rule.choose(results)
                } else {
                    let members = Set(fixed ?? [])
                    chosen = results.map(\.score).filter { members.contains($0.wallet) }
                }
                s.largestBasket = max(s.largestBasket, chosen.count)
                s.rescorings.append(
                    Rescoring(
                        time: t, walletsScored: results.count,
                        walletsTested: results.filter { $0.score.qValue != nil }.count,
                        informed: results.filter { $0.score.walletClass == .informed }.count,
                        basket: rule == nil ? [] : chosen.map(\.wallet.hex)))
                return chosen
            }
        }
    }

    /// Everything a run leaves in its store that the report needs.
    struct RunResult: Sendable {
        var signals: [SignalLine]
        var markets: [MarketResult]
        var equity: [EquityPoint]
        var entries: [CopiedEntry]
        var delayTotal: Micros
        var cost: Micros
        var fees: Micros
        var pnl: Micros
        var filled: Int
        var openAtEnd: Int
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

    /// Runs the backtest and its baselines on trades in time order and resolutions (only those with a time are used,
    /// from that time on) — a file's, or the daemon's stored history.
    ///
    /// - Throws: argument and database errors.
    package static func run(
        config base: AppConfiguration, options: Options, all: [Trade], resolutions: [String: MarketResolution],
        logger: Logger
    ) async throws -> Report {
        var config = base
        config.sizingMode = options.sizing
        let from = options.from ?? all.first?.timestamp ?? 0
        let to = options.to ?? (all.last?.timestamp ?? 0) + 1
        let rows = all.filter { $0.timestamp >= from && $0.timestamp < to }
        guard !rows.isEmpty else { throw ReplayError.badArgument("no trades between --from and --to") }
        logger.info("backtest: trades read", metadata: ["trades": "\(all.count)", "period": "\(rows.count)"])
        let history = PaperEngine.history(rows, fees: options.fees)
        let parameters = config.scoringParameters
        let threshold = options.whaleMinNotional ?? config.pipelineSettings().whaleRules.minNotional

        func once(
            _ name: String, rule: BasketRule?, fixed: [Address]?, minMembers: Int
        ) async throws -> (
            RunResult, WalkForward
        ) {
            let walk = WalkForward(
                all: all, resolutions: resolutions, parameters: parameters, rule: rule, fixed: fixed)
            var run = PaperEngine.Run(
                rows: rows, history: history, speed: nil, minMembers: minMembers,
                whaleMinNotional: options.whaleMinNotional, members: fixed ?? [], scores: [])
            run.resolution = { conditionId, now in
                guard let r = resolutions[conditionId], let winner = r.winningToken, let at = r.resolvedAt, at < now
                else { return nil }
                return (true, winner)
            }
            run.every = (
                .seconds(options.rescoreEverySeconds),
                { store, basketId, now in
                    let chosen = walk.rescore(at: now)
                    try await store.scores.insertSnapshots(chosen, runId: nil)
                    guard rule != nil else { return }
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
            logger.info("backtest: run", metadata: ["run": "\(name)"])
            let equity = config.startingEquity
            let result = try await PaperEngine.run(config: config, run, logger: logger) { store, now in
                try await collect(store: store, resolutions: resolutions, now: now, equity: equity)
            }
            return (result, walk)
        }

        let (main, walk) = try await once(
            "walk-forward", rule: options.rule, fixed: nil, minMembers: options.minMembers)
        let largest = walk.state.withLock { $0.largestBasket }
        let rescorings = walk.state.withLock { $0.rescorings }
        var baselines: [RunSummary] = []
        if options.baselines {
            // Every wallet with a whale-sized trade in the period: copy each such trade (one member is enough).
            var whales = Set<Address>()
            for t in rows where t.notional >= threshold { whales.insert(t.wallet) }
            let everyone = whales.sorted()
            let (allRun, _) = try await once("every whale trade", rule: nil, fixed: everyone, minMembers: 1)
            baselines.append(
                summary(
                    "every whale trade (no scoring)", allRun, basketSize: everyone.count,
                    note: "every wallet with a trade ≥ \(threshold) USDC, one member enough"))
            let size = max(largest, 1)
            var rng = SplitMix64(seed: options.seed)
            let random = Array(everyone.shuffled(using: &rng).prefix(max(size, options.minMembers)))
            let (randomRun, _) = try await once(
                "random basket", rule: nil, fixed: random, minMembers: min(options.minMembers, random.count))
            baselines.append(
                summary(
                    "random basket", randomRun, basketSize: random.count,
                    note: "\(random.count) whale wallets drawn with seed \(options.seed)"))
            // Hindsight: scored on the whole file with every resolution — not knowable at the time: an upper bound.
            let end = (all.last?.timestamp ?? 0) + 1
            let scored = WalletScoring.scoreAll(trades: all, resolutions: resolutions, now: end, parameters: parameters)
            let best = scored.map(\.score).filter {
                $0.walletClass != .bot && $0.walletClass != .marketMaker
                    && $0.resolvedMarkets >= parameters.informedMinResolvedMarkets && ($0.edge ?? 0) > 0
            }.sorted {
                BasketRule.lowerBound($0) != BasketRule.lowerBound($1)
                    ? BasketRule.lowerBound($0) > BasketRule.lowerBound($1) : $0.wallet < $1.wallet
            }.prefix(max(options.rule.size, options.minMembers)).map(\.wallet)
            let (hindsight, _) = try await once(
                "hindsight basket", rule: nil, fixed: best, minMembers: min(options.minMembers, max(best.count, 1)))
            baselines.append(
                summary(
                    "hindsight basket (upper bound, not knowable)", hindsight, basketSize: best.count,
                    note: "top \(best.count) by edge lower bound scored on the whole file"))
        }
        let mainSummary = summary(
            "walk-forward \(options.rule)", main, basketSize: largest,
            note: "rescored every \(options.rescoreEverySeconds) s; largest basket \(largest)")
        let verdict: String
        if let i = mainSummary.interval, let r = mainSummary.returnOnCost, i.markets < EdgeInterval.minimumMarkets {
            verdict = String(
                format: "no evidence of edge: %+.2f %% of cost after fees over only %d market(s) (at least %d needed)",
                r * 100, i.markets, EdgeInterval.minimumMarkets)
        } else if let i = mainSummary.interval, let r = mainSummary.returnOnCost {
            verdict =
                i.significant
                ? String(
                    format:
                        "edge after fees: %+.2f %% of cost (95 %% CI %+.2f … %+.2f %%, %d markets): positive at 95 %%",
                    r * 100, i.lower * 100, i.upper * 100, i.markets)
                : String(
                    format:
                        "no evidence of edge: %+.2f %% of cost after fees, 95 %% CI %+.2f … %+.2f %% over %d markets includes zero",
                    r * 100, i.lower * 100, i.upper * 100, i.markets)
        } else {
            verdict =
                "no evidence of edge: no copied position resolved (\(main.signals.count) signals, \(main.filled) filled entries)"
        }
        return Report(
            trades: rows.count, from: from, to: to, rescoreEverySeconds: options.rescoreEverySeconds,
            basketRule: options.rule.description, minMembers: options.minMembers,
            sizing: options.sizing == .fixed ? "fixed \(config.fixedOrder) USDC" : options.sizing.rawValue,
            feePlan: options.feesLabel,
            copyDelaySeconds: config.copyDelaySeconds, falseDiscoveryRate: parameters.falseDiscoveryRate,
            undatedResolutions: resolutions.values.filter { $0.winningToken != nil && $0.resolvedAt == nil }.count,
            rescorings: rescorings, signals: main.signals, equity: main.equity,
            maxDrawdown: Drawdown.maximum(
                [Double(config.startingEquity.raw) / 1e6]
                    + main.equity.compactMap { Micros(decimal: $0.equity).map { Double($0.raw) / 1e6 } }),
            copyDelayCostTotal: "\(main.delayTotal)", main: mainSummary, baselines: baselines,
            copyability: Copyability.perWallet(main.entries), edgeSignificant: mainSummary.edgeSignificant,
            verdict: verdict)
    }

    static func summary(_ name: String, _ r: RunResult, basketSize: Int, note: String) -> RunSummary {
        let interval = EdgeInterval.bootstrap(r.markets)
        return RunSummary(
            name: name, basketSize: basketSize, signals: r.signals.count, filledEntries: r.filled, cost: "\(r.cost)",
            fees: "\(r.fees)", pnl: "\(r.pnl)", returnOnCost: interval?.estimate, interval: interval,
            edgeSignificant: interval?.significant ?? false, openAtEnd: r.openAtEnd, note: note)
    }

    /// Settles what is still open by the resolutions file (evaluation only: the run is over), then reads the run.
    static func collect(
        store: PolybotStore, resolutions: [String: MarketResolution], now: Int64, equity start: Micros
    ) async throws -> RunResult {
        for p in try await store.positions.openPositions(mode: .paper) {
            guard let r = resolutions[p.conditionId], let winner = r.winningToken else { continue }
            _ = try await store.execution.settle(
                positionId: p.id, won: winner == p.asset, day: utcDay(now), equity: start)
        }
        let rows = try await store.db.client.query(
            """
            SELECT s.id, extract(epoch FROM s.created_at)::bigint, s.condition_id, s.asset, s.outcome, s.agreeing,
                   s.whale_avg_price_micros, s.status, s.status_reason, s.score_ids, s.wallets,
                   o.avg_fill_price_micros, o.filled_size_micros, o.filled_cost_micros, o.fee_micros
            FROM signals s LEFT JOIN copy_orders o ON o.signal_id = s.id AND o.purpose = 'entry' ORDER BY s.id
            """, logger: store.db.logger)
        var signals: [SignalLine] = []
        var entries: [CopiedEntry] = []
        var delayTotal = Micros.zero
        var filled = 0
        var signalTime: [Int64: Int64] = [:]
        for try await r in rows.decode(
            (
                Int64, Int64, String, String, String, Int32, Int64, String, String, [Int64], [String], Int64?, Int64?,
                Int64?, Int64?
            ).self)
        {
            signalTime[r.0] = r.1
            let shares = r.12.map(Micros.init) ?? .zero
            var delay: Micros?
            var result = "not filled"
            if shares > .zero, let cost = r.13 {
                filled += 1
                delay = Micros(cost) - shares.multiplied(by: Micros(r.6))
                delayTotal += delay!
                if let res = resolutions[r.2], let winner = res.winningToken {
                    let won = winner == r.3
                    result = won ? "won" : "lost"
                    let fee = Double(r.14 ?? 0) / 1e6
                    let s = Double(shares.raw) / 1e6
                    entries.append(
                        CopiedEntry(
                            wallets: r.10.compactMap { Address($0) }, whalePrice: Double(r.6) / 1e6,
                            ourPrice: Double(cost) / 1e6 / s, feePerShare: fee / s, outcome: won ? 1 : 0,
                            cost: Double(cost) / 1e6 + fee))
                } else {
                    result = "unresolved"
                }
            }
            signals.append(
                SignalLine(
                    signalId: r.0, time: r.1, market: r.2, outcome: r.4, agreeing: Int(r.5), snapshotIds: r.9,
                    snapshotsAsOf: nil, whalePrice: "\(Micros(r.6))", status: r.7, reason: r.8,
                    ourPrice: r.11.map { "\(Micros($0))" },
                    shares: shares > .zero ? "\(shares)" : nil, cost: r.13.flatMap { $0 > 0 ? "\(Micros($0))" : nil },
                    fee: shares > .zero ? r.14.map { "\(Micros($0))" } : nil, copyDelayCost: delay.map { "\($0)" },
                    result: result))
        }
        let times = try await store.db.client.query(
            "SELECT id, extract(epoch FROM computed_at)::bigint FROM wallet_scores WHERE id = ANY(\(signals.flatMap(\.snapshotIds)))",
            logger: store.db.logger)
        var snapshotTime: [Int64: Int64] = [:]
        for try await (id, t) in times.decode((Int64, Int64).self) { snapshotTime[id] = t }
        for i in signals.indices {
            signals[i].snapshotsAsOf = signals[i].snapshotIds.compactMap { snapshotTime[$0] }.max()
        }
        let positions = try await store.positions.list(mode: .paper, statuses: nil, limit: 1_000_000)
        // What was paid per market: entry fills and their fees (a closed position's cost basis is back at zero).
        let paidRows = try await store.db.client.query(
            """
            SELECT condition_id, sum(filled_cost_micros + fee_micros)::bigint FROM copy_orders
            WHERE purpose = 'entry' AND filled_size_micros > 0 GROUP BY condition_id
            """, logger: store.db.logger)
        var paid: [String: Micros] = [:]
        for try await (market, total) in paidRows.decode((String, Int64).self) { paid[market] = Micros(total) }
        let openMarkets = Set(positions.filter { $0.status == .open }.map(\.conditionId))
        var byMarket: [String: MarketResult] = [:]
        var closed: [(time: Int64, id: Int64, pnl: Micros)] = []
        var open = 0
        for p in positions {
            guard p.status != .open else {
                open += 1
                continue
            }
            // A market counts once every position in it is closed: its whole cost against its whole PnL.
            if !openMarkets.contains(p.conditionId) {
                var m =
                    byMarket[p.conditionId]
                    ?? MarketResult(
                        market: p.conditionId, pnl: 0, cost: Double((paid[p.conditionId] ?? .zero).raw) / 1e6)
                m.pnl += Double(p.realizedPnl.raw) / 1e6
                byMarket[p.conditionId] = m
            }
            closed.append((p.entrySignalId.flatMap { signalTime[$0] } ?? 0, p.id, p.realizedPnl))
        }
        var equity: [EquityPoint] = []
        var running = start
        for c in closed.sorted(by: { ($0.time, $0.id) < ($1.time, $1.id) }) {
            running += c.pnl
            equity.append(EquityPoint(time: c.time, equity: "\(running)"))
        }
        return RunResult(
            signals: signals, markets: byMarket.values.sorted { $0.market < $1.market }, equity: equity,
            entries: entries, delayTotal: delayTotal, cost: Micros.sum(Array(paid.values)),
            fees: Micros.sum(positions.map(\.fees)), pnl: Micros.sum(positions.map(\.realizedPnl)), filled: filled,
            openAtEnd: open)
    }
}
