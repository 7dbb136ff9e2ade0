import Foundation
import PolybotCore
import Polymarket

/// JSON text in the venue's own shapes (camelCase numbers for the Data API and RTDS, strings for the CLOB).
enum SimJSON {
    static func string(_ s: String) -> String { "\"" + JSONText.escape(s) + "\"" }

    /// A Data API `/trades` row (also the RTDS `activity` payload, plus `bio`/`icon`/`profileImage`).
    static func trade(_ t: Trade, checksummedWallet: Bool = false) -> String {
        let wallet = checksummedWallet ? t.wallet.eth.checksummed : t.wallet.hex
        return "{\"proxyWallet\":\"\(wallet)\",\"side\":\"\(t.side.rawValue)\",\"asset\":\"\(t.asset)\","
            + "\"conditionId\":\"\(t.conditionId)\",\"size\":\(t.size),\"price\":\(t.price),\"timestamp\":\(t.timestamp),"
            + "\"title\":\(string(t.title)),\"slug\":\(string(t.slug)),\"icon\":\"\",\"eventSlug\":\(string(t.eventSlug)),"
            + "\"outcome\":\(string(t.outcome)),\"outcomeIndex\":\(t.outcomeIndex ?? 999),\"name\":\(string(t.traderName)),"
            + "\"pseudonym\":\(string(t.pseudonym)),\"bio\":\"\",\"profileImage\":\"\",\"profileImageOptimized\":\"\","
            + "\"transactionHash\":\"\(t.transactionHash)\"}"
    }

    /// A Data API v2 `/v2/trades` row: snake case, dated by its block.
    static func tradeV2(_ t: Trade) -> String {
        "{\"proxy_wallet\":\"\(t.wallet.hex)\",\"side\":\"\(t.side.rawValue)\",\"asset\":\"\(t.asset)\","
            + "\"condition_id\":\"\(t.conditionId)\",\"size\":\"\(t.size)\",\"price\":\"\(t.price)\",\"block_timestamp\":\(t.timestamp),"
            + "\"title\":\(string(t.title)),\"slug\":\(string(t.slug)),\"event_slug\":\(string(t.eventSlug)),"
            + "\"outcome\":\(string(t.outcome)),\"outcome_index\":\(t.outcomeIndex ?? 999),"
            + "\"transaction_hash\":\"\(t.transactionHash)\"}"
    }

    /// A combo (parlay) row of `/v2/trades`: one position over several markets.
    static func comboV2(wallet: String, timestamp: Int64, legs: [String]) -> String {
        "{\"proxy_wallet\":\"\(wallet)\",\"side\":\"BUY\",\"combo_id\":\"combo-\(timestamp)\",\"size\":\"10\",\"price\":\"0.2\","
            + "\"block_timestamp\":\(timestamp),\"legs\":[\(legs.map { "{\"condition_id\":\"\($0)\"}" }.joined(separator: ","))],"
            + "\"transaction_hash\":\"0x\(String(repeating: "c", count: 64))\"}"
    }

    /// An RTDS envelope around a trade.
    static func rtdsFrame(_ t: Trade, connectionId: String) -> String {
        "{\"connection_id\":\"\(connectionId)\",\"payload\":\(trade(t, checksummedWallet: true)),\"timestamp\":\(t.timestamp * 1000 + 53),"
            + "\"topic\":\"activity\",\"type\":\"trades\"}"
    }

    /// A CLOB `/book` body; levels worst-first like the real service (best bid and best ask last).
    static func book(_ b: OrderBook) -> String {
        let bids = b.bids.reversed().map { "{\"price\":\"\($0.price)\",\"size\":\"\($0.size)\"}" }.joined(
            separator: ",")
        let asks = b.asks.reversed().map { "{\"price\":\"\($0.price)\",\"size\":\"\($0.size)\"}" }.joined(
            separator: ",")
        return
            "{\"market\":\"\(b.market)\",\"asset_id\":\"\(b.assetId)\",\"timestamp\":\"\(b.timestampMs)\",\"hash\":\"\(b.hash)\","
            + "\"bids\":[\(bids)],\"asks\":[\(asks)],\"min_order_size\":\"\(b.minOrderSize ?? Micros(5_000_000))\","
            + "\"tick_size\":\"\(b.tickSize?.rawValue ?? "0.01")\",\"neg_risk\":\(b.negRisk ?? false),"
            + "\"last_trade_price\":\"\(b.lastTradePrice ?? Micros(500_000))\"}"
    }

    /// The same book as a market-channel `book` event.
    static func bookEvent(_ b: OrderBook) -> String {
        String(book(b).dropLast()) + ",\"event_type\":\"book\"}"
    }

    /// A Gamma market object (JSON-in-string fields as on the real API).
    /// `exchangeVersion`: the exchange its orders are signed for (2: a CTF market, `version` "v1"; 3: a PositionManager
    /// market on ExchangeV3, "v2"; feeds notes §6.5).
    static func gammaMarket(_ m: HistoryMarket, lastPrices: [String: Micros], exchangeVersion: Int = 2) -> String {
        let outcomes = "[" + m.outcomes.map { "\\\"\($0)\\\"" }.joined(separator: ", ") + "]"
        let tokens = "[" + m.tokens.map { "\\\"\($0)\\\"" }.joined(separator: ", ") + "]"
        let prices: [String] = m.tokens.map { token in
            if let w = m.winner { return token == w ? "1" : "0" }
            return (lastPrices[token] ?? Micros(500_000)).description
        }
        let pricesText = "[" + prices.map { "\\\"\($0)\\\"" }.joined(separator: ", ") + "]"
        let closed = m.winner != nil
        return "{\"id\":\"\(m.gammaId)\",\"question\":\(string(m.question)),\"conditionId\":\"\(m.conditionId)\","
            + "\"slug\":\(string(m.slug)),\"outcomes\":\"\(outcomes)\",\"outcomePrices\":\"\(pricesText)\","
            + "\"clobTokenIds\":\"\(tokens)\",\"active\":true,\"closed\":\(closed),\"acceptingOrders\":\(!closed),"
            + "\"enableOrderBook\":true,\"negRisk\":\(m.negRisk),\"orderPriceMinTickSize\":\(m.tickSize.rawValue),"
            + "\"orderMinSize\":\(m.minOrderSize),\"umaResolutionStatus\":\(closed ? "\"resolved\"" : "\"\""),"
            + "\"events\":[{\"slug\":\(string(m.eventSlug))}],\"version\":\"v\(exchangeVersion - 1)\""
            + gammaFees(m.fees)
            + closedTime(m) + "}"
    }

    /// Gamma's `closedTime` (`2022-11-13 15:33:25+00`) of a resolved market whose time is known.
    static func closedTime(_ m: HistoryMarket) -> String {
        guard m.winner != nil, let at = m.resolvedAt else { return "" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return ",\"closedTime\":\"\(f.string(from: Date(timeIntervalSince1970: TimeInterval(at))))+00\""
    }

    /// `,"feesEnabled":…,"feeType":…,"feeSchedule":{…}` as in the 2026 capture, or nothing.
    static func gammaFees(_ fees: GammaFees?) -> String {
        guard let f = fees else { return "" }
        let s = f.schedule
        return
            ",\"feesEnabled\":\(f.enabled),\"feeType\":\(string(f.type)),\"feeSchedule\":{\"exponent\":\(s.exponent),"
            + "\"rate\":\(s.rate),\"takerOnly\":\(s.takerOnly),\"rebateRate\":\(s.rebateRate)}"
    }
}
