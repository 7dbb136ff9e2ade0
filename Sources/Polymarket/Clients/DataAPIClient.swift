import Foundation
import NIOHTTP1
import PolybotCore

/// The Data API (`https://data-api.polymarket.com`, or the simulator): trades, activity, positions, holders,
/// leaderboard. Paging respects the documented offset caps.
public struct DataAPIClient: Sendable {
    public let baseURL: String
    public let transport: HTTPTransport

    /// The documented caps (feeds notes §3.1–§3.7).
    public enum Caps {
        public static let tradesLimit = 10_000
        public static let tradesOffset = 10_000
        public static let activityLimit = 500
        public static let activityOffset = 10_000
        public static let positionsLimit = 500
        public static let closedPositionsLimit = 50
        public static let leaderboardLimit = 50
        public static let holdersLimit = 20
    }

    /// Creates a client.
    public init(baseURL: String, transport: HTTPTransport) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
    }

    /// Filters of `GET /trades`.
    public struct TradeQuery: Sendable {
        public var user: Address?
        public var markets: [String] = []
        public var side: TradeSide?
        /// Minimum USDC notional (`filterType=CASH`).
        public var minCash: Micros?
        public var takerOnly: Bool = true

        /// An unfiltered query.
        public init(user: Address? = nil, markets: [String] = [], side: TradeSide? = nil, minCash: Micros? = nil) {
            self.user = user
            self.markets = markets
            self.side = side
            self.minCash = minCash
        }
    }

    /// One page of `GET /trades`, as decoded rows (bad rows are reported, not dropped silently).
    ///
    /// - Throws: ``PolymarketHTTPError``.
    public func trades(
        _ q: TradeQuery, limit: Int, offset: Int
    ) async throws(PolymarketHTTPError) -> [Result<Trade, FeedDecodeError>] {
        var query = Query()
        query.add("user", q.user?.hex)
        query.add("market", q.markets.isEmpty ? nil : q.markets.joined(separator: ","))
        query.add("side", q.side?.rawValue)
        if let cash = q.minCash {
            query.add("filterType", "CASH")
            query.add("filterAmount", cash.description)
        }
        query.add("takerOnly", q.takerOnly ? nil : "false")
        query.add("limit", min(limit, Caps.tradesLimit))
        query.add("offset", offset)
        let result = try await transport.send(
            .GET, url: query.url(baseURL, "/trades"), family: .dataTrades, idempotent: true)
        return try HTTPTransport.decode([WireTrade].self, result).map { row in
            Result { () throws(FeedDecodeError) -> Trade in try row.toTrade(source: .dataAPI) }
        }
    }

    /// Walks `/trades` newest first until a short page or the offset cap.
    ///
    /// - Returns: the rows and whether the cap stopped the walk (older history needs `/activity` windows).
    public func allTrades(
        _ q: TradeQuery, pageSize: Int = 500
    ) async throws(PolymarketHTTPError)
        -> (rows: [Result<Trade, FeedDecodeError>], capped: Bool)
    {
        try await tradesSince(q, since: .min, pageSize: pageSize)
    }

    /// `GET /trades` newest first, paged until a page reaches back before `since` (Unix seconds), a short page, or the
    /// offset cap — a backfill of the recent past costs a page or two instead of the whole history.
    ///
    /// - Returns: the rows read (some may be older than `since`; the caller filters) and whether the offset cap cut
    ///   the read short before reaching `since`.
    /// - Throws: ``PolymarketHTTPError``.
    public func tradesSince(
        _ q: TradeQuery, since: Int64, pageSize: Int = 500
    ) async throws(PolymarketHTTPError) -> (rows: [Result<Trade, FeedDecodeError>], capped: Bool) {
        var rows: [Result<Trade, FeedDecodeError>] = []
        var offset = 0
        let size = min(pageSize, Caps.tradesLimit)
        while true {
            let page = try await trades(q, limit: size, offset: offset)
            rows += page
            let oldest = page.compactMap { row -> Int64? in
                if case .success(let t) = row { t.timestamp } else { nil }
            }.min()
            if page.count < size || (oldest.map { $0 < since } ?? false) { return (rows, false) }
            offset += size
            if offset > Caps.tradesOffset { return (rows, true) }
        }
    }

    /// `GET /activity` TRADE rows of a user in a time window, oldest first; splits the window in two whenever
    /// the offset cap would be exceeded, so a long history is read completely.
    ///
    /// - Throws: ``PolymarketHTTPError``.
    public func activityTrades(
        user: Address, start: Int64, end: Int64, pageSize: Int = 500
    ) async throws(PolymarketHTTPError)
        -> [Result<Trade, FeedDecodeError>]
    {
        var windows: [(Int64, Int64)] = [(start, end)]
        var out: [Result<Trade, FeedDecodeError>] = []
        let size = min(pageSize, Caps.activityLimit)
        while let (from, to) = windows.popLast() {
            var offset = 0
            var window: [Result<Trade, FeedDecodeError>] = []
            var split = false
            while true {
                var q = Query()
                q.add("user", user.hex)
                q.add("type", "TRADE")
                q.add("start", String(from))
                q.add("end", String(to))
                q.add("sortBy", "TIMESTAMP")
                q.add("sortDirection", "ASC")
                q.add("limit", size)
                q.add("offset", offset)
                let result = try await transport.send(
                    .GET, url: q.url(baseURL, "/activity"), family: .dataGeneral, idempotent: true)
                let page = try HTTPTransport.decode([WireTrade].self, result)
                window += page.filter { ($0.type ?? "TRADE") == "TRADE" }.map { row in
                    Result { () throws(FeedDecodeError) -> Trade in try row.toTrade(source: .dataAPI) }
                }
                if page.count < size { break }
                offset += size
                if offset + size > Caps.activityOffset {
                    guard to - from > 1 else { break }  // one second holding > cap rows: take what the API gives
                    let mid = from + (to - from) / 2
                    windows.append((mid + 1, to))
                    windows.append((from, mid))
                    split = true
                    break
                }
            }
            if !split { out += window }
        }
        return out
    }

    // MARK: - Data API v2

    /// A position of a resolved market (`GET /v2/positions?status=REDEEMABLE`): what a wallet still holds of it.
    public struct RedeemablePosition: Sendable, Equatable {
        public var conditionId: String
        public var tokenId: String
        /// Shares held (`current_size`).
        public var size: Micros
        /// `negative_risk`: redeemed through the neg-risk adapter.
        public var negativeRisk: Bool
        public var outcomeIndex: Int?
    }

    /// Every `REDEEMABLE` position of a wallet (won, resolved, not yet redeemed; venue facts §1.6), walked by cursor.
    /// A row whose size or ids cannot be read is an error, never skipped: a redemption is not planned on a guess.
    public func redeemablePositions(user: Address) async throws(PolymarketHTTPError) -> [RedeemablePosition] {
        struct Row: Decodable {
            var condition_id: String?
            var token_id: String?
            var current_size: LenientDecimal?
            var negative_risk: Bool?
            var outcome_index: Int?
        }
        struct Envelope: Decodable {
            struct Pagination: Decodable {
                var next_cursor: String?
                var has_more: Bool?
            }
            var data: [Row]?
            var pagination: Pagination?
        }
        var out: [RedeemablePosition] = []
        var cursor: String?
        repeat {
            var q = Query()
            q.add("user", user.hex)
            q.add("status", "REDEEMABLE")
            q.add("cursor", cursor)
            let page = try HTTPTransport.decode(
                Envelope.self,
                try await transport.send(
                    .GET, url: q.url(baseURL, "/v2/positions"), family: .dataPositions, idempotent: true))
            for r in page.data ?? [] {
                guard let c = r.condition_id, let t = r.token_id, let size = r.current_size?.micros else {
                    throw .decode(.missingField("condition_id, token_id or current_size of a REDEEMABLE row"))
                }
                out.append(
                    RedeemablePosition(
                        conditionId: c.lowercased(), tokenId: t, size: size, negativeRisk: r.negative_risk ?? false,
                        outcomeIndex: r.outcome_index))
            }
            cursor =
                page.pagination?.has_more == false
                ? nil : page.pagination?.next_cursor.flatMap { $0.isEmpty ? nil : $0 }
        } while cursor != nil
        return out
    }

    /// One page of `GET /v2/trades`.
    public struct TradesV2Page: Sendable {
        /// Decoded single-market rows (bad rows are reported, not dropped silently).
        public var rows: [Result<Trade, FeedDecodeError>]
        /// Combo (parlay) rows left out: they are not single-market bets.
        public var combos: Int
        /// The next page's cursor; nil at the end.
        public var nextCursor: String?
    }

    /// One page of Data API v2 `GET /v2/trades` (cursor-only keyset paging: no offset cap). `start`/`end` (Unix
    /// seconds) bound a user's walk; the first page's `limit` sets the page size, a cursor carries it afterwards.
    ///
    /// - Throws: ``PolymarketHTTPError`` (a 404 means this Data API has no v2: use the v1 walks).
    public func tradesV2(
        user: Address?, start: Int64? = nil, end: Int64? = nil, cursor: String? = nil, limit: Int = 1_000,
        minCash: Micros? = nil
    ) async throws(PolymarketHTTPError) -> TradesV2Page {
        var q = Query()
        if let cursor {
            q.add("cursor", cursor)
        } else {
            q.add("user", user?.hex)
            q.add("start", start.map(String.init))
            q.add("end", end.map(String.init))
            q.add("limit", limit)
            if let minCash {
                q.add("filter_type", "CASH")
                q.add("filter_amount", minCash.description)
            }
        }
        let result = try await transport.send(
            .GET, url: q.url(baseURL, "/v2/trades"), family: .dataTrades, idempotent: true)
        struct Envelope: Decodable {
            struct Pagination: Decodable {
                var next_cursor: String?
                var has_more: Bool?
            }
            var data: [WireTrade]?
            var pagination: Pagination?
        }
        let page = try HTTPTransport.decode(Envelope.self, result)
        let rows = page.data ?? []
        let next = page.pagination?.next_cursor.flatMap { $0.isEmpty ? nil : $0 }
        return TradesV2Page(
            rows: rows.filter { !$0.isCombo }.map { row in
                Result { () throws(FeedDecodeError) -> Trade in try row.toTrade(source: .dataAPI) }
            },
            combos: rows.count(where: \.isCombo), nextCursor: page.pagination?.has_more == false ? nil : next)
    }

    /// The v2 global feed newest first, walked by cursor until a page reaches back before `since` (Unix seconds) or the
    /// feed ends: no offset cap, so a long outage is covered whole. Rows under `minCash` are dropped here too.
    ///
    /// - Throws: ``PolymarketHTTPError`` (404: no v2 here).
    public func tradesSinceV2(
        minCash: Micros?, since: Int64, pageSize: Int = 1_000
    ) async throws(PolymarketHTTPError)
        -> [Result<Trade, FeedDecodeError>]
    {
        var rows: [Result<Trade, FeedDecodeError>] = []
        var cursor: String?
        repeat {
            let page = try await tradesV2(user: nil, cursor: cursor, limit: pageSize, minCash: minCash)
            rows += page.rows.filter { row in
                guard let minCash, case .success(let t) = row else { return true }
                return t.notional >= minCash
            }
            let oldest = page.rows.compactMap { row -> Int64? in
                if case .success(let t) = row { t.timestamp } else { nil }
            }.min()
            if let oldest, oldest < since { break }
            cursor = page.nextCursor
        } while cursor != nil
        return rows
    }

    /// `GET /positions` of a user (all pages).
    public func positions(user: Address) async throws(PolymarketHTTPError) -> [WirePosition] {
        var out: [WirePosition] = []
        var offset = 0
        while true {
            var q = Query()
            q.add("user", user.hex)
            q.add("sizeThreshold", "0")
            q.add("limit", Caps.positionsLimit)
            q.add("offset", offset)
            let page = try HTTPTransport.decode(
                [WirePosition].self,
                try await transport.send(
                    .GET, url: q.url(baseURL, "/positions"), family: .dataPositions, idempotent: true))
            out += page
            if page.count < Caps.positionsLimit || offset >= Caps.activityOffset { return out }
            offset += Caps.positionsLimit
        }
    }

    /// `GET /closed-positions` of a user (all pages, 50 per page).
    public func closedPositions(
        user: Address, maxRows: Int = 10_000
    ) async throws(PolymarketHTTPError) -> [WireClosedPosition] {
        var out: [WireClosedPosition] = []
        var offset = 0
        while out.count < maxRows {
            var q = Query()
            q.add("user", user.hex)
            q.add("limit", Caps.closedPositionsLimit)
            q.add("offset", offset)
            let page = try HTTPTransport.decode(
                [WireClosedPosition].self,
                try await transport.send(
                    .GET, url: q.url(baseURL, "/closed-positions"), family: .dataClosedPositions, idempotent: true))
            out += page
            if page.count < Caps.closedPositionsLimit { break }
            offset += Caps.closedPositionsLimit
        }
        return out
    }

    /// `GET /value`: USDC value of a user's open positions.
    public func value(user: Address) async throws(PolymarketHTTPError) -> Micros {
        var q = Query()
        q.add("user", user.hex)
        let rows = try HTTPTransport.decode(
            [WireValue].self,
            try await transport.send(.GET, url: q.url(baseURL, "/value"), family: .dataGeneral, idempotent: true))
        return rows.first?.value?.micros ?? .zero
    }

    /// `GET /holders`: top holders (≤ 20) of each outcome token of the markets.
    public func holders(
        markets: [String], limit: Int = Caps.holdersLimit
    ) async throws(PolymarketHTTPError) -> [WireHolders] {
        var q = Query()
        q.add("market", markets.joined(separator: ","))
        q.add("limit", min(limit, Caps.holdersLimit))
        return try HTTPTransport.decode(
            [WireHolders].self,
            try await transport.send(.GET, url: q.url(baseURL, "/holders"), family: .dataGeneral, idempotent: true))
    }

    /// `GET /v1/leaderboard`.
    public func leaderboard(
        category: String = "OVERALL", period: String = "MONTH", orderBy: String = "PNL", limit: Int = 50,
        offset: Int = 0
    ) async throws(PolymarketHTTPError) -> [WireLeaderboardEntry] {
        var q = Query()
        q.add("category", category)
        q.add("timePeriod", period)
        q.add("orderBy", orderBy)
        q.add("limit", min(limit, Caps.leaderboardLimit))
        q.add("offset", offset)
        return try HTTPTransport.decode(
            [WireLeaderboardEntry].self,
            try await transport.send(
                .GET, url: q.url(baseURL, "/v1/leaderboard"), family: .dataGeneral, idempotent: true))
    }
}
