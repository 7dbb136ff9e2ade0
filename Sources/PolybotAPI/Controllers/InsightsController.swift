import Foundation
import Hummingbird
import PolybotCore
import PolybotStore

/// The whale-intelligence read models: market titles, the leaderboard of every scored wallet, a wallet's profile,
/// the graded signal ledger and exposure by event. Every figure the dashboard draws comes from here.
struct InsightsController {
    let env: APIEnvironment
    /// The leaderboard's rows, rebuilt at most every 15 s: scores change per rescoring, and a rebuild reads every
    /// wallet's latest snapshot and its volume by category.
    let cache = LeaderboardCache()

    static let leaderboardSorts: Set<String> = [
        "edgeLowerBound", "qValue", "copyability", "resolvedMarkets", "edge", "volume", "address",
    ]

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/markets") { request, _ -> Response in
            let ids = (request.uri.queryParameters.get("ids") ?? "").split(separator: ",").map {
                $0.lowercased()
            }
            guard !ids.isEmpty, ids.count <= 500 else { throw APIError.badRequest("ids: 1–500 condition ids") }
            for id in ids where !(id.hasPrefix("0x") && id.count == 66) {
                throw APIError.badRequest("ids must be condition ids")
            }
            let markets = try await env.store.markets.get(ids)
            let categories = try await env.store.insights.marketCategories()
            return try jsonResponse(
                Page(
                    items: ids.compactMap { markets[$0] }.map {
                        MarketTitleDTO($0, category: categories[$0.conditionId])
                    },
                    next: nil))
        }
        router.get("/api/v1/leaderboard") { request, _ -> Response in
            let limit = try request.int("limit", default: 50, in: 1...500)
            let offset = try request.int("offset", default: 0, in: 0...10_000_000)
            let sort = request.uri.queryParameters.get("sort") ?? "edgeLowerBound"
            guard Self.leaderboardSorts.contains(sort) else {
                throw APIError.badRequest(
                    "sort must be one of \(Self.leaderboardSorts.sorted().joined(separator: ", "))")
            }
            let ascending = request.uri.queryParameters.get("order") == "asc"
            let klass = request.uri.queryParameters.get("class")
            if let klass, WalletClass(rawValue: klass) == nil {
                throw APIError.badRequest(
                    "class must be one of \(WalletClass.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let category = request.uri.queryParameters.get("category")
            let onePerCluster = request.uri.queryParameters.get("onePerCluster") == "true"
            let query = LeaderboardCache.Query(
                sort: sort, ascending: ascending, walletClass: klass, category: category, onePerCluster: onePerCluster)
            let page = try await cache.page(
                query, offset: offset, limit: limit, maxAge: .seconds(15), build: { try await leaderboard() },
                order: { rows in Self.order(rows, query) })
            // The body as `jsonResponse` would write it (keys sorted, `next` absent at the end), from rows encoded once.
            var body = "{\"categories\":["
            for (i, c) in page.categories.enumerated() {
                if i > 0 { body += "," }
                JSONText.string(c, into: &body)
            }
            body += "],\"items\":[" + page.items.joined(separator: ",") + "]"
            if offset + page.items.count < page.total { body += ",\"next\":\"\(offset + page.items.count)\"" }
            body += ",\"total\":\(page.total)}"
            return jsonResponse(body: ByteBuffer(string: body))
        }
        router.get("/api/v1/whales/:address/profile") { _, context -> Response in
            let address = try context.parameters.address("address")
            let (body, _) = try await env.profiles.value(for: address, maxAge: .seconds(15)) {
                ByteBuffer(bytes: try jsonBytes(try await profile(address)))
            }
            return jsonResponse(body: body)
        }
        router.get("/api/v1/signals/ledger") { request, _ -> Response in
            let limit = try request.int("limit", default: 100, in: 1...500)
            return try jsonResponse(try await ledger(beforeId: try request.cursor(), limit: limit))
        }
        router.get("/api/v1/exposure") { _, _ -> Response in
            let rows = try await env.store.insights.exposureByEvent(mode: env.mode)
            return try jsonResponse(
                Page(
                    items: rows.map {
                        EventExposureDTO(
                            eventSlug: $0.eventSlug, positions: $0.positions, cost: "\($0.cost)",
                            unrealizedPnl: "\($0.unrealizedPnl)")
                    }, next: nil))
        }
    }

    // MARK: - Leaderboard

    static func key(_ r: LeaderboardRow, _ sort: String) -> Double {
        switch sort {
        case "qValue": -(r.score.qValue ?? 2)  // smaller q first when descending
        case "copyability": r.copyability?.keptEdge ?? -.infinity
        case "resolvedMarkets": Double(r.score.resolvedMarkets)
        case "edge": r.score.edge ?? -.infinity
        case "volume": Double(Micros(decimal: r.score.volume)?.raw ?? 0)
        case "address": 0
        default: r.edgeLowerBound ?? -.infinity
        }
    }

    /// The positions of the rows a query keeps, in its order, and the categories of those rows. Rows are large: their
    /// positions are filtered and sorted, not copies of them.
    static func order(_ rows: [LeaderboardRow], _ q: LeaderboardCache.Query) -> LeaderboardCache.Ordered {
        let kept = rows.indices.filter { i in
            (q.walletClass == nil || rows[i].score.walletClass == q.walletClass)
                && (q.category == nil || rows[i].categories.contains(q.category!))
        }
        var order = kept.map { (key: key(rows[$0], q.sort), index: $0) }
        order.sort { a, b in
            if a.key != b.key { return q.ascending ? a.key < b.key : a.key > b.key }
            return rows[a.index].address < rows[b.index].address
        }
        var positions = order.map(\.index)
        if q.onePerCluster {
            // One trader, one row: the cluster's best-ranked wallet under the chosen sort.
            var seen = Set<String>()
            positions = positions.filter { seen.insert(rows[$0].cluster).inserted }
        }
        var categories = Set<String>()
        for i in kept { categories.formUnion(rows[i].categories) }
        return LeaderboardCache.Ordered(positions: positions, categories: categories.sorted())
    }

    func leaderboard() async throws -> [LeaderboardRow] {
        let scores = try await env.store.scores.latestAll()
        let whales = try await env.store.whales.get(Array(scores.keys))
        let volume = try await env.store.insights.walletCategoryVolume()
        // Our own resolved fills first; a wallet we never copied on a resolved market shows the newest backtest's line.
        let copy = try await backtestCopyability().merging(try await copyability(wallet: nil)) { _, ours in ours }
        let clusters = try await env.store.walletLinks.clusters().view(at: env.now())
        // Each cluster's size once, not a scan of every linked wallet per row.
        var sizes: [Address: Int] = [:]
        for g in clusters.groups { sizes[g[0]] = g.count }
        return scores.map { address, s in
            let w = whales[address]
            let categories = (volume[address.hex] ?? [:]).sorted { $0.value > $1.value }.map(\.key)
            return LeaderboardRow(
                address: address.hex, label: w?.label ?? "", tracked: w?.tracked ?? false,
                listStatus: w?.listStatus.rawValue ?? "neutral", score: ScoreDTO(s),
                edgeLowerBound: s.edgeLowerBound, categories: categories,
                copyability: copy[address.hex], cluster: clusters.cluster(of: address).hex,
                clusterSize: sizes[clusters.cluster(of: address)] ?? 1)
        }
    }

    /// Copyability per wallet from our own filled entries whose market resolved.
    func copyability(wallet: Address?) async throws -> [String: CopyabilityDTO] {
        let fills = try await env.store.insights.copiedFills(mode: env.mode, wallet: wallet)
        guard !fills.isEmpty else { return [:] }
        let resolutions = try await env.store.markets.resolutions(of: Set(fills.map(\.conditionId)).sorted())
        let entries = fills.compactMap { f -> CopyPosition? in
            guard let winner = resolutions[f.conditionId]?.winningToken, f.shares > .zero else { return nil }
            let shares = f.shares.doubleValue
            let ours = f.cost.doubleValue / shares
            return CopyPosition(
                time: 0, market: f.conditionId, event: f.conditionId, token: f.asset,
                wallets: f.wallets.compactMap { Address($0) }, whalePrice: f.whalePrice?.doubleValue ?? ours,
                limit: ours, sharesOrdered: shares, shares: shares, cost: f.cost.doubleValue, fee: f.fee.doubleValue,
                shortfall: nil, won: winner == f.asset)
        }
        var out: [String: CopyabilityDTO] = [:]
        for c in Copyability.perWallet(entries) { out[c.wallet] = CopyabilityDTO(c, source: "our resolved fills") }
        return out
    }

    // MARK: - Profile

    func profile(_ address: Address) async throws -> WalletProfileDTO {
        let now = env.now()
        let history = try await env.store.scores.history(address, limit: 180)
        let trades = (try await env.store.trades.trades(wallets: [address]))[address] ?? []
        let whale = try await env.store.whales.get(address)
        guard !history.isEmpty || !trades.isEmpty || whale != nil else {
            throw APIError.notFound("no trades, scores or record for \(address.hex)")
        }
        let ids = Set(trades.map(\.conditionId)).sorted()
        let resolutions = try await env.store.markets.resolutions(of: ids)
        let categories = try await env.store.insights.marketCategories(of: ids)
        let built = WalletProfile.build(trades: trades, resolutions: resolutions, categories: categories, asOf: now)
        let markets = try await env.store.markets.get(ids)
        var baskets: [BasketRefDTO] = []
        for b in try await env.store.baskets.list()
        where try await env.store.baskets.members(basketId: b.id).contains(where: { $0.wallet == address }) {
            baskets.append(BasketRefDTO(id: b.id, name: b.name))
        }
        var copy = try await copyability(wallet: address)[address.hex]
        if copy == nil { copy = try await backtestCopyability()[address.hex] }
        let latest = history.first
        let recent = try await env.store.trades.page(
            wallet: address, market: nil, side: nil, minNotional: nil, beforeId: nil, limit: 25)
        func title(_ id: String) -> String {
            markets[id]?.question ?? trades.last(where: { $0.conditionId == id })?.title ?? ""
        }
        let clusters = try await env.store.walletLinks.clusters()
        var cluster = ClusterDTO(wallet: address, view: clusters.view(at: now), clusters: clusters, at: now)
        cluster.score = try await ClustersController(env: env).clusterScore(
            cluster.members.compactMap { Address($0) }, view: clusters.view(at: now))
        return WalletProfileDTO(
            cluster: cluster,
            address: address.hex, label: whale?.label ?? "", tracked: whale?.tracked ?? false,
            listStatus: whale?.listStatus.rawValue ?? "neutral", baskets: baskets,
            score: latest.map(ScoreDTO.init),
            edgeLowerBound: latest.flatMap(\.edgeLowerBound),
            history: history.reversed().map(ScoreDTO.init),
            equity: built.equity.map {
                ProfileEquityDTO(
                    time: $0.time, conditionId: $0.conditionId, title: title($0.conditionId), pnl: "\($0.pnl)",
                    cumulative: "\($0.cumulative)")
            },
            calibration: built.calibration.map(CalibrationDTO.init), calibratedPositions: built.calibratedPositions,
            categories: built.categories.map {
                CategoryDTO(
                    category: $0.category, trades: $0.trades, volume: "\($0.volume)",
                    closedPositions: $0.closedPositions, wins: $0.wins, realizedPnl: "\($0.realizedPnl)")
            },
            activity: built.activity, copyability: copy,
            recentTrades: recent.map { TradeDTO(id: $0.id, $0.trade) }, asOf: now)
    }

    /// The copyability table of the newest completed backtest that has one, by wallet (labelled with the run).
    func backtestCopyability() async throws -> [String: CopyabilityDTO] {
        for run in try await env.store.backtests.list(limit: 20) where run.status == "completed" {
            guard let full = try await env.store.backtests.get(id: run.id), let text = full.report,
                let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let lines = object["copyability"] as? [[String: Any]], !lines.isEmpty
            else { continue }
            var out: [String: CopyabilityDTO] = [:]
            for line in lines {
                // A line missing a figure is left out rather than shown with an invented one.
                guard let wallet = line["wallet"] as? String, let entries = line["entries"] as? Int,
                    let theirs = line["theirEdge"] as? Double, let delay = line["delayCost"] as? Double,
                    let fee = line["fee"] as? Double, let kept = line["keptEdge"] as? Double,
                    let uncopyable = line["uncopyable"] as? Bool
                else { continue }
                out[wallet] = CopyabilityDTO(
                    entries: entries, theirEdge: theirs, delayCost: delay, fee: fee, keptEdge: kept,
                    uncopyable: uncopyable, keptLow: line["keptLow"] as? Double, keptHigh: line["keptHigh"] as? Double,
                    source: "backtest #\(run.id)")
            }
            return out
        }
        return [:]
    }

    // MARK: - Ledger

    func ledger(beforeId: Int64?, limit: Int) async throws -> LedgerDTO {
        let rows = try await env.store.insights.ledger(beforeId: beforeId, limit: limit)
        let markets = try await env.store.markets.get(Array(Set(rows.map(\.signal.conditionId))))
        let now = env.now()
        var graded: [LedgerLineDTO] = []
        var byBasket: [String: [(time: Int64, grade: SignalGrade)]] = [:]
        for r in rows {
            let m = markets[r.signal.conditionId]
            let resolution = m.map(\.resolution).flatMap { $0.isKnown(at: now) ? $0 : nil }
            let fill =
                r.filledShares > .zero
                ? SignalGrade.Fill(shares: r.filledShares, cost: r.filledCost, fee: r.fee) : nil
            let grade = SignalGrade.grade(
                asset: r.signal.asset, resolution: resolution, fill: fill, stake: env.signalStake,
                price: r.signal.bestAsk ?? r.signal.whalePrice, fees: m?.fees.schedule)
            let basket = r.basketName ?? "no basket"
            byBasket[basket, default: []].append((r.signal.createdAt, grade))
            graded.append(
                LedgerLineDTO(
                    signal: SignalDTO(r.signal), title: m?.question, basket: r.basketName, entryStatus: r.entryStatus,
                    filledShares: "\(r.filledShares)", deniedReason: r.deniedReason, result: grade.result.rawValue,
                    filled: grade.filled, cost: grade.cost.map { "\($0)" }, pnl: grade.pnl.map { "\($0)" },
                    graded: grade.result != .open && grade.pnl != nil))
        }
        let baskets = byBasket.keys.sorted().map { name -> BasketRecordDTO in
            let rec = BasketRecord.of(byBasket[name] ?? [])
            let wouldBe = (byBasket[name] ?? []).filter { !$0.grade.filled && $0.grade.pnl != nil }
            return BasketRecordDTO(
                basket: name, signals: byBasket[name]?.count ?? 0, graded: rec.graded, won: rec.won,
                hitRate: rec.hitRate, cost: "\(rec.cost)", pnl: "\(rec.pnl)", returnOnCost: rec.returnOnCost,
                tooFewToJudge: rec.tooFewToJudge, hitRateLow: rec.hitRateInterval?.low,
                hitRateHigh: rec.hitRateInterval?.high, returnLow: rec.returnInterval?.low,
                returnHigh: rec.returnInterval?.high,
                notFilledGraded: wouldBe.count,
                notFilledPnl: "\(Micros.sum(wouldBe.compactMap(\.grade.pnl)))",
                series: rec.series.map {
                    BasketPointDTO(time: $0.time, hitRate: $0.hitRate, returnOnCost: $0.returnOnCost, pnl: "\($0.pnl)")
                })
        }
        return LedgerDTO(
            items: graded, next: rows.count == limit ? rows.last.map { "\($0.signal.id)" } : nil, baskets: baskets,
            stake: "\(env.signalStake)")
    }
}
