import Foundation
import Hummingbird
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
import PolymarketSim
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// `polybot replay`: the whole pipeline in paper mode over a recorded trade file.
///
/// The file is served by an in-process `polymarket-sim` on 127.0.0.1 (RTDS frames at `speed`× the recorded pace, books
/// around the last replayed price), the daemon's stages consume it exactly as they consume the live feed, and the paper
/// gateway walks those books. The copy delay is divided by the speed, so it means the same market time at any speed.
/// Everything runs on a throwaway embedded database. The basket is either the wallets given, or the file's top buyers
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
        package var agreeing: Int
        package var whalePrice: String
        package var status: String
        package var reason: String
        package var ourPrice: String?
        package var shares: String?
        package var cost: String?
        /// (our average − the whales' average) × shares: what copying late cost.
        package var copyDelayCost: String?
    }

    /// The replay's result.
    package struct Report: Sendable, Codable {
        package var trades: Int
        package var basket: [String]
        package var speed: String
        package var copyDelaySeconds: Int
        package var signals: [SignalLine]
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
        minNotional: String?, timeZone: String
    ) throws -> Options {
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
        return Options(
            tradesPath: trades, marketsPath: markets, speed: s, wallets: parsed, basketSize: basketSize,
            minMembers: minMembers,
            whaleMinNotional: minimum, timeZone: zone)
    }

    /// The report as JSON.
    package static func json(_ r: Report) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? e.encode(r)) ?? Data(), as: UTF8.self)
    }

    /// Runs the replay and returns the report.
    ///
    /// - Throws: file, database and bind errors.
    package static func run(config: AppConfiguration, options: Options, logger: Logger) async throws -> Report {
        let rows = try readTrades(options.tradesPath, timeZone: options.timeZone)
        let resolutions = try options.marketsPath.map { try ResolutionFileReader.read(path: $0) } ?? [:]
        let basket =
            options.wallets.isEmpty
            ? defaultBasket(rows, resolutions: resolutions, count: options.basketSize) : options.wallets

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-replay-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var dbConfig = config
        dbConfig.databaseURL = nil
        dbConfig.dataDirectory = dir
        let database = try await DatabaseLifecycle.open(dbConfig, logger: logger)
        defer { database.close(logger: logger) }
        try await database.withClient(logger: logger) { client in
            try await DatabaseLifecycle.migrationRunner(config, client: client, logger: logger).apply()
        }

        let exchange = SimExchange(trades: rows)
        let port = Mutex<Int?>(nil)
        let sim = SimServer.application(exchange: exchange, host: "127.0.0.1", port: 0, logger: logger) { p in
            port.withLock { $0 = p }
        }
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let store = PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit)
        let transport = HTTPTransport(logger: logger)
        defer { Task { try? await transport.shutdown() } }
        let speed = options.speed

        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            group.addTask { try await sim.runService(gracefulShutdownSignals: []) }
            defer { group.cancelAll() }
            var bound: Int?
            for _ in 0..<500 where bound == nil {
                bound = port.withLock { $0 }
                if bound == nil { try await Task.sleep(for: .milliseconds(10)) }
            }
            guard let simPort = bound else { throw ReplayError.simulatorDidNotStart }
            let base = "http://127.0.0.1:\(simPort)"

            let b = try await store.baskets.create(Basket(name: "replay", minMembers: options.minMembers))
            for w in basket {
                try await store.whales.upsert(Whale(address: w, label: "replay basket"))
                try await store.baskets.upsertMember(basketId: b.id, BasketMember(wallet: w))
            }
            // The basket's scores over the file (what Kelly sizing reads), as the nightly job would have stored them.
            let members = Set(basket)
            let end = (rows.last?.timestamp ?? 0) + 86_400
            let scores = WalletScoring.scoreAll(
                trades: rows.filter { members.contains($0.wallet) }, resolutions: resolutions, now: end)
            try await store.scores.insertSnapshots(scores.map(\.score), runId: nil)
            var settings = config.pipelineSettings()
            settings.mode = .paper
            if let m = options.whaleMinNotional { settings.whaleRules.minNotional = m }
            settings.consensusRule.minMembers = options.minMembers
            let delayMs = Int64(config.copyDelaySeconds) * 1000
            settings.copyDelay = .milliseconds(speed.map { Int64(Double(delayMs) / $0) } ?? 0)
            settings.rtdsURL = "ws://127.0.0.1:\(simPort)/ws"
            settings.clobWSURL = nil
            settings.markEvery = .seconds(1)
            var clob = ClobClient(baseURL: base + "/clob", transport: transport)
            clob.now = { Int64(Date().timeIntervalSince1970) }
            let pipeline = try Pipeline.build(
                settings: settings, store: store, clob: clob,
                dataAPI: DataAPIClient(baseURL: base + "/data-api", transport: transport), rpc: nil, live: nil,
                logger: logger)
            let services = ServiceGroup(
                configuration: .init(services: pipeline.services.map { .init(service: $0) }, logger: logger))
            group.addTask { try await services.run() }
            // Replay only once the listener listens, so the first frames are not lost.
            for _ in 0..<1_000 where await pipeline.listener.health().connections == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let replay = SimReplayService(exchange: exchange, speed: speed.map { .times($0) } ?? .max, logger: logger)
            group.addTask { try await replay.run() }
            while !(await exchange.finished) { try await Task.sleep(for: .milliseconds(100)) }
            // Drain: every signal reaches an end (or 30 s pass).
            let open: Set<String> = ["new", "sized", "approved", "ordered"]
            for _ in 0..<300 {
                try await Task.sleep(for: .milliseconds(100))
                let s = try await store.signals.recent(limit: 10_000)
                if !s.contains(where: { open.contains($0.status) }) { break }
            }
            await pipeline.positions.markOnce()
            await services.triggerGracefulShutdown()

            // Held to resolution when the markets file says how each market ended.
            var settled = 0
            let today = utcDay(Int64(Date().timeIntervalSince1970))
            for p in try await store.positions.openPositions(mode: .paper) {
                guard let r = resolutions[p.conditionId], let winner = r.winningToken else { continue }
                if try await store.execution.settle(
                    positionId: p.id, won: winner == p.asset, day: today, equity: config.startingEquity) != nil
                {
                    settled += 1
                }
            }
            return try await report(
                store: store, trades: rows.count, basket: basket, speed: speed,
                copyDelaySeconds: config.copyDelaySeconds,
                settled: settled)
        }
    }

    /// A trades file's decodable rows, duplicates (natural key) dropped, in time order.
    package static func readTrades(_ path: String, timeZone: TimeZone) throws -> [Trade] {
        var rows: [Trade] = []
        var seen = Set<TradeKey>()
        for row in try TradeFileReader(options: .init(localTimeZone: timeZone, source: .rtds)).read(path: path) {
            if case .success(let t) = row.result, seen.insert(t.key).inserted { rows.append(t) }
        }
        rows.sort { $0.timestamp < $1.timestamp }
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
        store: PolybotStore, trades: Int, basket: [Address], speed: Double?, copyDelaySeconds: Int, settled: Int
    )
        async throws -> Report
    {
        let rows = try await store.db.client.query(
            """
            SELECT s.id, s.condition_id, s.outcome, s.agreeing, s.whale_avg_price_micros, s.status, s.status_reason,
                   o.avg_fill_price_micros, o.filled_size_micros, o.filled_cost_micros
            FROM signals s LEFT JOIN copy_orders o ON o.signal_id = s.id AND o.purpose = 'entry' ORDER BY s.id
            """, logger: store.db.logger)
        var lines: [SignalLine] = []
        var delayTotal = Micros.zero
        for try await r in rows.decode(
            (Int64, String, String, Int32, Int64, String, String, Int64?, Int64?, Int64?).self)
        {
            let filled = r.8.map(Micros.init) ?? .zero
            var delay: Micros?
            if filled > .zero, let cost = r.9 {
                delay = Micros(cost) - filled.multiplied(by: Micros(r.4))
                delayTotal += delay!
            }
            lines.append(
                SignalLine(
                    signalId: r.0, market: r.1, outcome: r.2, agreeing: Int(r.3), whalePrice: "\(Micros(r.4))",
                    status: r.5, reason: r.6,
                    ourPrice: r.7.map { "\(Micros($0))" }, shares: filled > .zero ? "\(filled)" : nil,
                    cost: r.9.flatMap { $0 > 0 ? "\(Micros($0))" : nil },
                    copyDelayCost: delay.map { "\($0)" }))
        }
        let orders = try await store.orders.list(statuses: nil, limit: 100_000, beforeId: nil)
        let positions = try await store.positions.list(mode: .paper, statuses: nil, limit: 100_000)
        return Report(
            trades: trades, basket: basket.map(\.hex), speed: speed.map { "\($0)x" } ?? "max",
            copyDelaySeconds: copyDelaySeconds, signals: lines,
            orders: orders.count, filledOrders: orders.filter { $0.filledSize > .zero }.count,
            copyDelayCostTotal: "\(delayTotal)",
            realizedPnl: "\(Micros.sum(positions.map(\.realizedPnl)))",
            unrealizedPnl: "\(Micros.sum(positions.filter { $0.status == .open }.map(\.unrealizedPnl)))",
            settledPositions: settled)
    }

    /// The report as text.
    package static func text(_ r: Report) -> [String] {
        var out = [
            "replayed \(r.trades) trades at \(r.speed), copy delay \(r.copyDelaySeconds) s of market time, paper mode",
            "basket (\(r.basket.count)): \(r.basket.joined(separator: " "))",
            "signals: \(r.signals.count)   orders: \(r.orders)   filled: \(r.filledOrders)", "",
        ]
        out.append(
            "signal  market        outcome  whales  whale px  status    our px    shares       cost        delay cost  reason"
        )
        for s in r.signals {
            func pad(_ v: String, _ n: Int) -> String {
                v.count >= n ? v : v + String(repeating: " ", count: n - v.count)
            }
            out.append(
                pad("\(s.signalId)", 8) + pad(String(s.market.prefix(12)), 14) + pad(s.outcome, 9)
                    + pad("\(s.agreeing)", 8)
                    + pad(s.whalePrice, 10) + pad(s.status, 10) + pad(s.ourPrice ?? "-", 10) + pad(s.shares ?? "-", 13)
                    + pad(s.cost ?? "-", 12) + pad(s.copyDelayCost ?? "-", 12) + s.reason)
        }
        out += [
            "", "copy-delay cost total: \(r.copyDelayCostTotal) USDC",
            "PnL: realized \(r.realizedPnl) USDC (\(r.settledPositions) position(s) settled at resolution), unrealized \(r.unrealizedPnl) USDC",
        ]
        return out
    }
}

/// Why a replay could not run.
package enum ReplayError: Error, CustomStringConvertible {
    case simulatorDidNotStart
    case badArgument(String)

    package var description: String {
        switch self {
        case .simulatorDidNotStart: "the in-process simulator did not start"
        case .badArgument(let m): m
        }
    }
}
