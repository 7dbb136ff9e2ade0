import Foundation
import PolybotCore

/// A Gamma market (feeds notes §4.3) with the JSON-in-string fields decoded.
public struct GammaMarket: Decodable, Sendable, Equatable {
    public var id: String
    public var question: String
    public var conditionId: String
    public var slug: String
    public var eventSlug: String
    public var outcomes: [String]
    public var outcomePrices: [String]
    public var clobTokenIds: [String]
    public var active: Bool
    public var closed: Bool
    public var acceptingOrders: Bool
    public var enableOrderBook: Bool
    public var negRisk: Bool
    public var tickSize: TickSize?
    public var minOrderSize: Micros?
    public var endDate: String?
    /// When the market closed (`closedTime`, `2022-11-13 15:33:25+00`), Unix seconds; nil when absent or unreadable.
    public var closedAt: Int64?
    public var umaResolutionStatus: String?
    public var liquidity: Micros?
    /// `"v1"` (CTF ledger) or `"v2"` (PositionManager); `"v1"` when absent.
    public var version: String
    /// The market's taker fees (`feesEnabled`, `feeType`, `feeSchedule`).
    public var fees: MarketFees

    enum CodingKeys: String, CodingKey {
        case id, question, conditionId, slug, outcomes, outcomePrices, clobTokenIds, active, closed, acceptingOrders
        case enableOrderBook, negRisk, orderPriceMinTickSize, orderMinSize, endDate, umaResolutionStatus
        case umaResolutionStatuses, liquidity, version, events, feesEnabled, feeType, feeSchedule, closedTime
    }

    private struct EventRef: Decodable { var slug: String? }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = c.lenient(LenientDecimal.self, .id)?.text ?? ""
        question = c.lenient(String.self, .question) ?? ""
        guard let cond = c.lenient(String.self, .conditionId) else {
            throw DecodingError.keyNotFound(
                CodingKeys.conditionId, .init(codingPath: c.codingPath, debugDescription: "conditionId"))
        }
        conditionId = cond.lowercased()
        slug = c.lenient(String.self, .slug) ?? ""
        eventSlug = (c.lenient([EventRef].self, .events) ?? []).first?.slug ?? ""
        outcomes = Self.stringArray(c, .outcomes)
        outcomePrices = Self.stringArray(c, .outcomePrices)
        clobTokenIds = Self.stringArray(c, .clobTokenIds)
        active = c.lenient(LenientBool.self, .active)?.value ?? false
        closed = c.lenient(LenientBool.self, .closed)?.value ?? false
        acceptingOrders = c.lenient(LenientBool.self, .acceptingOrders)?.value ?? false
        enableOrderBook = c.lenient(LenientBool.self, .enableOrderBook)?.value ?? false
        negRisk = c.lenient(LenientBool.self, .negRisk)?.value ?? false
        tickSize = c.lenient(LenientDecimal.self, .orderPriceMinTickSize).flatMap {
            TickSize(decimal: $0.text) ?? $0.micros.flatMap { m in TickSize.allCases.first { $0.micros == m.raw } }
        }
        minOrderSize = c.lenient(LenientDecimal.self, .orderMinSize)?.micros
        endDate = c.lenient(String.self, .endDate)
        closedAt = c.lenient(String.self, .closedTime).flatMap(Self.closedTime)
        let statuses = Self.stringArray(c, .umaResolutionStatuses)
        umaResolutionStatus = c.lenient(String.self, .umaResolutionStatus) ?? statuses.last
        liquidity = c.lenient(LenientDecimal.self, .liquidity)?.micros
        version = c.lenient(String.self, .version) ?? "v1"
        fees = MarketFees.read(
            enabled: c.lenient(LenientBool.self, .feesEnabled)?.value, type: c.lenient(String.self, .feeType),
            schedule: c.lenient(MarketFees.Wire.self, .feeSchedule),
            schedulePresent: c.contains(.feeSchedule) && (try? c.decodeNil(forKey: .feeSchedule)) == false)
    }

    /// A field that is a JSON array, or a string containing one (`"[\"Yes\", \"No\"]"`).
    private static func stringArray(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> [String] {
        if let a = c.lenient([String].self, key) { return a }
        guard let s = c.lenient(String.self, key), let data = s.data(using: .utf8) else { return [] }
        if let a = try? JSONDecoder().decode([String].self, from: data) { return a }
        if let a = try? JSONDecoder().decode([LenientDecimal].self, from: data) { return a.map(\.text) }
        return []
    }

    /// Reads `2022-11-13 15:33:25+00` (Gamma's `closedTime`) or an ISO 8601 time.
    static func closedTime(_ text: String) -> Int64? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        for format in [
            "yyyy-MM-dd HH:mm:ssX", "yyyy-MM-dd HH:mm:ss.SSSX", "yyyy-MM-dd'T'HH:mm:ssX", "yyyy-MM-dd'T'HH:mm:ss.SSSX",
        ] {
            f.dateFormat = format
            if let d = f.date(from: text) { return Int64(d.timeIntervalSince1970) }
        }
        return nil
    }

    /// Tradable per the venue: active, not closed, accepting orders, with an order book.
    public var isTradable: Bool { active && !closed && acceptingOrders && enableOrderBook }

    /// The exchange version its orders are signed for, from its protocol `version` (feeds notes §6.5, docs
    /// `resources/onchain-position-data`): "v1" — outcome tokens on the CTF — trades on the V2 exchanges (domain "2");
    /// "v2" — position ids on the PositionManager — on ExchangeV3 (domain "3"). Nil for a version this build does not
    /// know: such a market is never signed for.
    public var exchangeVersion: Int? {
        switch version.lowercased() {
        case "v1": 2
        case "v2": 3
        default: nil
        }
    }

    /// The winning token once the market is final (`closed` + UMA `resolved` + prices exactly 1/0); nil otherwise,
    /// including 50/50 resolutions and old AMM markets with near-1 prices (feeds notes §4.4).
    public var winningTokenId: String? {
        guard closed, umaResolutionStatus == "resolved", outcomePrices.count == clobTokenIds.count else { return nil }
        let values = outcomePrices.map { Micros(decimal: $0) }
        guard values.allSatisfy({ $0 == .one || $0 == .zero }), values.filter({ $0 == .one }).count == 1,
            let index = values.firstIndex(of: .one)
        else { return nil }
        return clobTokenIds[index]
    }
}

/// A Gamma event with its markets.
public struct GammaEvent: Decodable, Sendable {
    public var id: String
    public var slug: String
    public var title: String
    public var negRisk: Bool
    public var closed: Bool
    public var markets: [GammaMarket]

    enum CodingKeys: String, CodingKey { case id, slug, title, negRisk, closed, markets }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = c.lenient(LenientDecimal.self, .id)?.text ?? ""
        slug = c.lenient(String.self, .slug) ?? ""
        title = c.lenient(String.self, .title) ?? ""
        negRisk = c.lenient(LenientBool.self, .negRisk)?.value ?? false
        closed = c.lenient(LenientBool.self, .closed)?.value ?? false
        markets = (c.lenient([FailableMarket].self, .markets) ?? []).compactMap(\.market).map { m in
            var m = m
            if m.eventSlug.isEmpty { m.eventSlug = c.lenient(String.self, .slug) ?? "" }
            return m
        }
    }

    /// A market that failed to decode is dropped from its event instead of failing the whole event.
    private struct FailableMarket: Decodable {
        let market: GammaMarket?
        init(from decoder: any Decoder) throws { market = try? GammaMarket(from: decoder) }
    }
}

extension MarketInfo {
    /// The record Polybot keeps of a Gamma market: its resolution only once final, timed by Gamma's `closedTime`
    /// (nil when Gamma gives none: such a resolution is never used point in time before it was seen).
    public init(gamma m: GammaMarket) {
        self.init(
            conditionId: m.conditionId, question: m.question, slug: m.slug, eventSlug: m.eventSlug,
            outcomes: m.outcomes,
            tokenIds: m.clobTokenIds, tickSize: Micros(m.tickSize?.micros ?? 10_000),
            minOrderSize: m.minOrderSize ?? Micros(5_000_000), negRisk: m.negRisk, closed: m.closed,
            winningToken: m.winningTokenId, resolvedAt: m.winningTokenId != nil ? m.closedAt : nil, fees: m.fees)
    }
}
