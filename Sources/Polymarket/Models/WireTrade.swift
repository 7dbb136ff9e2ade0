import Foundation
import PolybotCore

/// One trade as the Data API (`/trades`, `/activity` TRADE rows) and the RTDS `activity` payload send it.
/// Every field is optional on the wire; ``toTrade(source:)`` says exactly what is missing.
public struct WireTrade: Decodable, Sendable, Hashable {
    public var proxyWallet: String?
    public var side: String?
    public var asset: String?
    public var conditionId: String?
    public var size: LenientDecimal?
    public var price: LenientDecimal?
    public var timestamp: LenientInt?
    public var title: String?
    public var slug: String?
    public var eventSlug: String?
    public var outcome: String?
    public var outcomeIndex: LenientInt?
    public var name: String?
    public var pseudonym: String?
    public var transactionHash: String?
    /// `/activity` only: TRADE, REDEEM, SPLIT, MERGE, REWARD, CONVERSION…
    public var type: String?
    /// `/activity` only: USDC notional.
    public var usdcSize: LenientDecimal?
    /// A combo (parlay) row of Data API v2: several markets in one position, never a single-market bet to score.
    public var isCombo = false

    enum CodingKeys: String, CodingKey {
        case proxyWallet, side, asset, conditionId, size, price, timestamp, title, slug, eventSlug, outcome,
            outcomeIndex
        case name, pseudonym, transactionHash, type, usdcSize
        // Data API v2 spells fields in snake case and dates trades by their block.
        case proxy_wallet, asset_id, condition_id, block_timestamp, event_slug, outcome_index, transaction_hash
        case usdc_size, combo_id, comboId, legs, is_combo
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        proxyWallet = c.lenient(String.self, .proxyWallet) ?? c.lenient(String.self, .proxy_wallet)
        side = c.lenient(String.self, .side)
        asset = c.lenient(String.self, .asset) ?? c.lenient(String.self, .asset_id)
        conditionId = c.lenient(String.self, .conditionId) ?? c.lenient(String.self, .condition_id)
        size = c.lenient(LenientDecimal.self, .size)
        price = c.lenient(LenientDecimal.self, .price)
        timestamp = c.lenient(LenientInt.self, .timestamp) ?? c.lenient(LenientInt.self, .block_timestamp)
        title = c.lenient(String.self, .title)
        slug = c.lenient(String.self, .slug)
        eventSlug = c.lenient(String.self, .eventSlug) ?? c.lenient(String.self, .event_slug)
        outcome = c.lenient(String.self, .outcome)
        outcomeIndex = c.lenient(LenientInt.self, .outcomeIndex) ?? c.lenient(LenientInt.self, .outcome_index)
        name = c.lenient(String.self, .name)
        pseudonym = c.lenient(String.self, .pseudonym)
        transactionHash = c.lenient(String.self, .transactionHash) ?? c.lenient(String.self, .transaction_hash)
        type = c.lenient(String.self, .type)
        usdcSize = c.lenient(LenientDecimal.self, .usdcSize) ?? c.lenient(LenientDecimal.self, .usdc_size)
        isCombo =
            c.contains(.combo_id) || c.contains(.comboId) || c.contains(.legs)
            || (c.lenient(LenientBool.self, .is_combo)?.value ?? false) || (type ?? "").uppercased() == "COMBO"
    }

    /// An empty row (fields set by the CSV reader).
    public init() {}

    /// Validates and converts to the domain trade: lower-cased wallet and hashes, micro-unit size and price,
    /// outcome index `nil` for the 999 sentinel, text stripped of NUL bytes (PostgreSQL text cannot hold them).
    ///
    /// - Throws: ``FeedDecodeError`` naming the first unusable field.
    public func toTrade(source: TradeSource) throws(FeedDecodeError) -> Trade {
        guard let w = proxyWallet else { throw .missingField("proxyWallet") }
        guard let wallet = Address(w) else { throw .invalidField("proxyWallet", w) }
        guard let s = side else { throw .missingField("side") }
        guard let tradeSide = TradeSide(rawValue: s.uppercased()) else { throw .invalidField("side", s) }
        guard let asset else { throw .missingField("asset") }
        guard Hex.isUInt256Decimal(asset) else { throw .invalidField("asset", asset) }
        guard let c = conditionId else { throw .missingField("conditionId") }
        let condition = Hex.isLowerHex(c, bytes: 32) ? c : c.lowercased()
        guard condition == c || Hex.isLowerHex(condition, bytes: 32) else { throw .invalidField("conditionId", c) }
        guard let tx = transactionHash else { throw .missingField("transactionHash") }
        let hash = Hex.isLowerHex(tx, bytes: 32) ? tx : tx.lowercased()
        guard hash == tx || Hex.isLowerHex(hash, bytes: 32) else { throw .invalidField("transactionHash", tx) }
        guard let sizeText = size else { throw .missingField("size") }
        guard let sizeMicros = sizeText.micros, sizeMicros.raw >= 0 else { throw .invalidField("size", sizeText.text) }
        guard let priceText = price else { throw .missingField("price") }
        guard let priceMicros = priceText.micros, priceMicros.raw >= 0, priceMicros <= .one else {
            throw .invalidField("price", priceText.text)
        }
        guard let ts = timestamp?.value else { throw .missingField("timestamp") }
        // Seconds; tolerate a millisecond value by magnitude (the envelope uses ms).
        let seconds = ts > 100_000_000_000 ? ts / 1000 : ts
        guard seconds > 0 else { throw .invalidField("timestamp", String(ts)) }
        let index = outcomeIndex.map(\.value).flatMap { (0...64).contains($0) ? Int($0) : nil }
        return Trade(
            transactionHash: hash, wallet: wallet, asset: asset, conditionId: condition, side: tradeSide,
            size: sizeMicros,
            price: priceMicros, timestamp: seconds, outcome: clean(outcome), outcomeIndex: index, title: clean(title),
            slug: clean(slug), eventSlug: clean(eventSlug), traderName: clean(name), pseudonym: clean(pseudonym),
            source: source)
    }

    private func clean(_ s: String?) -> String {
        guard let s else { return "" }
        // Byte scan (String.contains(String) goes through Foundation and is slow on this hot path).
        return s.utf8.contains(0) ? s.replacingOccurrences(of: "\0", with: "") : s
    }
}
