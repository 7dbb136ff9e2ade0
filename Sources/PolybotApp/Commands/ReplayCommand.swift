import Foundation
import Hummingbird
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// `polybot replay`: the whole pipeline in paper mode over a recorded trade file, on the event-time engine.
///
/// The daemon's stages run unchanged on market time: a ``ReplayFeed`` delivers the file's trades one by one (each
/// handled to the end before the next), books are the simulator's synthetic books around the history's last price at
/// the point asked for, and every market gets a fee schedule from the fee plan (default: the venue's 2026 schedule by
/// category). The copy delay is market time. The report — fills with their fees included — is the same, byte for byte,
/// at any `speed`, which only paces delivery. Everything runs on a throwaway embedded database. The basket is either the wallets given, or the file's top buyers
/// by notional — chosen with hindsight, so the report measures execution (copy-delay cost, fills), not wallet selection.
package enum ReplayCommand {
    /// What to replay.
    package struct Options: Sendable {
        package var tradesPath: String
        package var marketsPath: String?
        /// Replay speed (× recorded pace); nil = as fast as possible.
        package var speed: Double?
        package var wallets: [Address]
        package var basketSize: Int
        package var minMembers: Int
        package var whaleMinNotional: Micros?
        package var timeZone: TimeZone
        /// Fee schedules given to the file's markets.
        package var fees: FeePlan = .venue2026
        /// How the fee plan was asked for (shown in the report).
        package var feesLabel = "2026"
        /// ERC-20 transfers for funding links (nil: co-trading links only).
        package var transfersPath: String?
        /// Which funding counts (the defaults exclude Polymarket's contracts; configuration adds exchanges').
        package var funding = FundingDefaults.rules()

        /// Creates options.
        package init(
            tradesPath: String, marketsPath: String?, speed: Double?, wallets: [Address], basketSize: Int,
            minMembers: Int,
            whaleMinNotional: Micros?, timeZone: TimeZone
        ) {
            self.tradesPath = tradesPath
            self.marketsPath = marketsPath
            self.speed = speed
            self.wallets = wallets
            self.basketSize = basketSize
            self.minMembers = minMembers
            self.whaleMinNotional = whaleMinNotional
            self.timeZone = timeZone
        }
    }

    /// One signal's line in the report.
    package struct SignalLine: Sendable, Codable {
        package var signalId: Int64
        package var market: String
        package var outcome: String
        /// Agreeing votes: clusters, each of one or more wallets of one trader.
        package var agreeing: Int
        /// The agreeing wallets (every wallet of every agreeing cluster that traded in the window).
        package var agreeingWallets: Int
        /// The agreeing clusters, each a list of wallets.
        package var clusters: [[String]]
        package var whalePrice: String
        package var status: String
        package var reason: String
        package var ourPrice: String?
        package var shares: String?
        package var cost: String?
        /// (our average − the whales' average) × shares: what copying late cost.
        package var copyDelayCost: String?
        /// Taker fees paid on the entry.
        package var fee: String?
    }

    /// One fill of a paper order (entry or exit), as booked.
    package struct FillLine: Sendable, Codable {
        package var orderId: Int64
        package var signalId: Int64?
        package var purpose: String
        package var market: String
        package var side: String
        package var shares: String
        package var price: String
        package var fee: String
        package var status: String
    }

    /// The replay's result.
    package struct Report: Sendable, Codable {
        package var trades: Int
        package var basket: [String]
        /// The basket's clusters of more than one wallet as known at the end (links from funding and co-trading).
        package var basketClusters: [[String]]
        /// Links found among the basket: by funding, by co-trading.
        package var fundingLinks: Int
        package var coTradingLinks: Int
        /// Fills between wallets of one cluster, left out of scores, consensus and the tape.
        package var washFills: Int
        package var copyDelaySeconds: Int
        /// The fee plan (`2026`, `none`, or `RATE:EXPONENT`).
        package var feePlan: String
        package var signals: [SignalLine]
        package var fills: [FillLine]
        package var feesTotal: String
        package var orders: Int
        package var filledOrders: Int
        package var copyDelayCostTotal: String
        package var realizedPnl: String
        package var unrealizedPnl: String
        package var settledPositions: Int
    }

    /// Builds options from command-line text.
    ///
    /// - Throws: ``ReplayError/badArgument(_:)`` naming the bad value.
    package static func options(
        trades: String, markets: String?, speed: String, wallets: [String], basketSize: Int, minMembers: Int,
        minNotional: String?, timeZone: String, fees: String = "2026", transfers: String? = nil,
        fundingExcluded: [String] = []
    ) throws -> Options {
        guard let plan = FeePlan(fees) else {
            throw ReplayError.badArgument("--fees must be 2026, none or RATE:EXPONENT (e.g. 0.04:1), not \(fees)")
        }
        var parsed: [Address] = []
        for w in wallets.flatMap({ $0.split(separator: ",") }) {
            guard let a = Address(w.trimmingCharacters(in: .whitespaces)) else {
                throw ReplayError.badArgument("--wallets: \(w) is not an address")
            }
            parsed.append(a)
        }
        let s: Double?
        if speed == "max" {
            s = nil
        } else if let v = Double(speed), v > 0 {
            s = v
        } else {
            throw ReplayError.badArgument("--speed must be a positive number or max, not \(speed)")
        }
        let minimum = try minNotional.map { text -> Micros in
            guard let m = Micros(decimal: text), m >= .zero else {
                throw ReplayError.badArgument("--min-notional must be ≥ 0, not \(text)")
            }
            return m
        }
        guard let zone = TimeZone(identifier: timeZone) else {
            throw ReplayError.badArgument("unknown --timezone \(timeZone)")
        }
        guard basketSize > 0, minMembers > 0 else {
            throw ReplayError.badArgument("--basket-size and --min-members must be ≥ 1")
        }
        var o = Options(
            tradesPath: trades, marketsPath: markets, speed: s, wallets: parsed, basketSize: basketSize,
            minMembers: minMembers,
            whaleMinNotional: minimum, timeZone: zone)
        o.fees = plan
        o.feesLabel = fees
        o.transfersPath = transfers
        o.funding = FundingDefaults.rules(
            extraExcluded: try addresses(fundingExcluded, option: "--funding-excluded"))
        return o
    }

    /// Comma-separated addresses of an option.
    ///
    /// - Throws: ``ReplayError/badArgument(_:)`` naming the first one that is not an address.
    package static func addresses(_ values: [String], option: String) throws -> Set<Address> {
        var out = Set<Address>()
        for w in values.flatMap({ $0.split(separator: ",") }) {
            guard let a = Address(w.trimmingCharacters(in: .whitespaces)) else {
                throw ReplayError.badArgument("\(option): \(w) is not an address")
            }
            out.insert(a)
        }
        return out
    }

    /// The report as JSON.
    package static func json(_ r: Report) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? e.encode(r)) ?? Data(), as: UTF8.self)
    }

    /// Runs the replay and returns the report.
    ///
    /// The engine is in-process: the history drives a ``ReplayClock`` (market time) through a ``ReplayFeed``, books
    /// come from ``HistoryBooks`` at the point of the history asked for, fees from the fee plan — no HTTP server and no
    /// socket. Each trade is handled to the end before the next is delivered, so the report is the same at any speed.
    ///
    /// - Throws: file and database errors.
    package static func run(config: AppConfiguration, options: Options, logger: Logger) async throws -> Report {
        let recorded = try readTrades(options.tradesPath, timeZone: options.timeZone)
        let transfers = try options.transfersPath.map { try TransferFileReader.read(path: $0) } ?? []
        let resolutions = try options.marketsPath.map { try ResolutionFileReader.read(path: $0) } ?? [:]
        logger.info(
            "replay: trades read", metadata: ["trades": "\(recorded.count)", "transfers": "\(transfers.count)"])
        let basket =
            options.wallets.isEmpty
            ? defaultBasket(recorded, resolutions: resolutions, count: options.basketSize) : options.wallets
        logger.info("replay: basket chosen", metadata: ["wallets": "\(basket.count)"])
        // Who is one trader among the basket — the links known by the end of the file, like the basket itself chosen in
        // hindsight (a backtest keeps each link's time); fills between one trader's wallets are no evidence and no
        // liquidity.
        let evidence = ClusterEvidence.build(
            rows: recorded, transfers: transfers, tracked: Set(basket), funding: options.funding, hindsight: true)
        let rows = evidence.removingWash(recorded)
        logger.info(
            "replay: clusters found",
            metadata: [
                "funding_links": "\(evidence.fundingLinks)", "co_trading_links": "\(evidence.coTradingLinks)",
                "wash_fills": "\(evidence.wash.count)",
            ])

        let history = PaperEngine.history(rows, fees: options.fees)
        let markets = history.markets
        logger.info("replay: books indexed", metadata: ["markets": "\(markets.count)"])
        // The basket's scores over the file (what Kelly sizing reads), as the nightly job would have stored them.
        let members = Set(basket)
        let end = (rows.last?.timestamp ?? 0) + 86_400
        let scores = WalletScoring.scoreAll(
            trades: rows.filter { members.contains($0.wallet) }, resolutions: resolutions, now: end)
        var run = PaperEngine.Run(
            rows: rows, history: history, speed: options.speed, minMembers: options.minMembers,
            whaleMinNotional: options.whaleMinNotional, members: basket, scores: scores.map(\.score))
        run.clusters = evidence.clusters
        let groups = evidence.clusters.view(at: .max).groups.map { $0.map(\.hex) }
        let equity = config.startingEquity
        let copyDelay = config.copyDelaySeconds
        let label = options.feesLabel
        return try await PaperEngine.run(config: config, run, logger: logger) { store, now in
            // Resolutions are applied at the end (the markets file says how, not when, each market ended).
            var settled = 0
            for p in try await store.positions.openPositions(mode: .paper) {
                guard let r = resolutions[p.conditionId], let winner = r.winningToken else { continue }
                if try await store.execution.settle(
                    positionId: p.id, won: winner == p.asset, day: utcDay(now), equity: equity) != nil
                {
                    settled += 1
                }
            }
            var r = try await report(
                store: store, trades: recorded.count, basket: basket, copyDelaySeconds: copyDelay, fees: label,
                settled: settled)
            r.basketClusters = groups
            r.fundingLinks = evidence.fundingLinks
            r.coTradingLinks = evidence.coTradingLinks
            r.washFills = evidence.wash.count
            return r
        }
    }

    /// A trades file's decodable rows, repeated rows dropped and twins numbered (``RecordedFills``), in time order.
    package static func readTrades(_ path: String, timeZone: TimeZone) throws -> [Trade] {
        var rows: [Trade] = []
        var fills = RecordedFills()
        for row in try TradeFileReader(options: .init(localTimeZone: timeZone, source: .rtds)).read(path: path) {
            if case .success(let t) = row.result, let t = fills.admit(t) { rows.append(t) }
        }
        // Recorded and generated files are usually in time order already: sorting a million large rows is skipped then.
        if zip(rows, rows.dropFirst()).contains(where: { $0.timestamp > $1.timestamp }) {
            rows.sort { $0.timestamp < $1.timestamp }
        }
        return rows
    }

    /// The default basket of a trades file (see ``defaultBasket(_:resolutions:count:)``), for demos and replays.
    package static func topWallets(tradesPath: String, marketsPath: String?, count: Int) throws -> [String] {
        let rows = try readTrades(tradesPath, timeZone: TimeZone(identifier: "UTC")!)
        let resolutions = try marketsPath.map { try ResolutionFileReader.read(path: $0) } ?? [:]
        return defaultBasket(rows, resolutions: resolutions, count: count).map(\.hex)
    }

    /// With resolutions: the `count` wallets that made the most in the file once its markets resolved (the "best whales"
    /// in hindsight); without: the top buyers by notional.
    static func defaultBasket(_ trades: [Trade], resolutions: [String: MarketResolution], count: Int) -> [Address] {
        guard !resolutions.isEmpty else { return topBuyers(trades, count: count) }
        let end = (trades.last?.timestamp ?? 0) + 86_400
        let scores: [WalletScore] = WalletScoring.scoreAll(trades: trades, resolutions: resolutions, now: end).map(
            \.score)
        let winners = scores.filter { $0.realizedPnl > .zero }.sorted { (a: WalletScore, b: WalletScore) -> Bool in
            a.realizedPnl != b.realizedPnl ? a.realizedPnl > b.realizedPnl : a.wallet.hex < b.wallet.hex
        }
        return winners.prefix(count).map(\.wallet)
    }

    /// The `count` wallets with the most bought notional in the file.
    static func topBuyers(_ trades: [Trade], count: Int) -> [Address] {
        var bought: [Address: Int64] = [:]
        for t in trades where t.side == .buy { bought[t.wallet, default: 0] += t.notional.raw }
        return bought.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.hex < $1.key.hex }.prefix(count).map(
            \.key)
    }

    private static func report(
        store: PolybotStore, trades: Int, basket: [Address], copyDelaySeconds: Int, fees: String,
        settled: Int
    )
        async throws -> Report
    {
        var lines: [SignalLine] = []
        var delayTotal = Micros.zero
        for r in try await store.paperRun.signals() {
            let filled = r.filled ?? .zero
            var delay: Micros?
            if filled > .zero, let cost = r.cost {
                delay = cost - filled.multiplied(by: r.whalePrice)
                delayTotal += delay!
            }
            lines.append(
                SignalLine(
                    signalId: r.signalId, market: r.conditionId, outcome: r.outcome,
                    agreeing: r.votes?.count ?? r.agreeing, agreeingWallets: r.agreeing,
                    clusters: r.votes ?? r.wallets.map { [$0] },
                    whalePrice: "\(r.whalePrice)", status: r.status, reason: r.reason,
                    ourPrice: r.averagePrice.map { "\($0)" }, shares: filled > .zero ? "\(filled)" : nil,
                    cost: r.cost.flatMap { $0 > .zero ? "\($0)" : nil },
                    copyDelayCost: delay.map { "\($0)" }, fee: filled > .zero ? r.fee.map { "\($0)" } : nil))
        }
        var fills: [FillLine] = []
        var feesTotal = Micros.zero
        for r in try await store.paperRun.fills() {
            feesTotal += r.fee
            fills.append(
                FillLine(
                    orderId: r.orderId, signalId: r.signalId, purpose: r.purpose, market: r.conditionId, side: r.side,
                    shares: "\(r.filled)", price: r.averagePrice.map { "\($0)" } ?? "-", fee: "\(r.fee)",
                    status: r.status))
        }
        let orders = try await store.orders.list(statuses: nil, limit: 100_000, beforeId: nil)
        let positions = try await store.positions.list(mode: .paper, statuses: nil, limit: 100_000)
        return Report(
            trades: trades, basket: basket.map(\.hex), basketClusters: [], fundingLinks: 0, coTradingLinks: 0,
            washFills: 0, copyDelaySeconds: copyDelaySeconds, feePlan: fees, signals: lines, fills: fills,
            feesTotal: "\(feesTotal)",
            orders: orders.count, filledOrders: orders.filter { $0.filledSize > .zero }.count,
            copyDelayCostTotal: "\(delayTotal)",
            realizedPnl: "\(Micros.sum(positions.map(\.realizedPnl)))",
            unrealizedPnl: "\(Micros.sum(positions.filter { $0.status == .open }.map(\.unrealizedPnl)))",
            settledPositions: settled)
    }

    /// The report as text (`speed` only says how fast it was delivered: the report is the same at any speed).
    package static func text(_ r: Report, speed: Double? = nil) -> [String] {
        var out = [
            "replayed \(r.trades) trades at \(speed.map { "\($0)x" } ?? "max speed"), copy delay \(r.copyDelaySeconds) s of market time, paper mode, fees: \(r.feePlan)",
            "basket (\(r.basket.count)): \(r.basket.joined(separator: " "))",
            "signals: \(r.signals.count)   orders: \(r.orders)   filled: \(r.filledOrders)", "",
        ]
        out.append(
            "signal  market        outcome  whales  whale px  status    our px    shares       cost        fee        delay cost  reason"
        )
        for s in r.signals {
            func pad(_ v: String, _ n: Int) -> String {
                v.count >= n ? v : v + String(repeating: " ", count: n - v.count)
            }
            out.append(
                pad("\(s.signalId)", 8) + pad(String(s.market.prefix(12)), 14) + pad(s.outcome, 9)
                    + pad("\(s.agreeing)", 8)
                    + pad(s.whalePrice, 10) + pad(s.status, 10) + pad(s.ourPrice ?? "-", 10) + pad(s.shares ?? "-", 13)
                    + pad(s.cost ?? "-", 12) + pad(s.fee ?? "-", 11) + pad(s.copyDelayCost ?? "-", 12) + s.reason)
        }
        out += [
            "", "fills: \(r.fills.count), taker fees total: \(r.feesTotal) pUSD (in the cost basis and the PnL below)",
            "copy-delay cost total: \(r.copyDelayCostTotal) USDC",
            "PnL: realized \(r.realizedPnl) USDC (\(r.settledPositions) position(s) settled at resolution), unrealized \(r.unrealizedPnl) USDC",
        ]
        return out
    }
}

/// Why a replay could not run.
package enum ReplayError: Error, CustomStringConvertible {
    case badArgument(String)
    /// A book was asked for a token of no market in the file.
    case unknownToken(String)

    package var description: String {
        switch self {
        case .unknownToken(let t): "no market in the replayed file has token \(t)"
        case .badArgument(let m): m
        }
    }
}
