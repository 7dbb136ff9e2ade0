/// The side of a fill from the point of view of the wallet that made it.
public enum TradeSide: String, Sendable, Codable, Hashable, CaseIterable {
    case buy = "BUY"
    case sell = "SELL"
}

/// Where Polybot learned about a trade.
public enum TradeSource: String, Sendable, Codable, Hashable, CaseIterable {
    /// The RTDS `activity` WebSocket feed.
    case rtds
    /// A Data API `/trades` or `/activity` backfill.
    case dataAPI = "data_api"
    /// A recorded file replayed through the pipeline.
    case replay
    /// A bulk import (e.g. `polybot backfill`, the nightly job).
    case `import`
    /// A V2 exchange's `OrderFilled` log on Polygon, final after the configured confirmations.
    case chain
}

/// The natural key of a trade: one key, one row, whichever sources saw it. Polymarket's feeds have no trade id and
/// their price of a taker's fill is rounded differently from the chain's amounts, so the key is (transaction hash,
/// wallet, asset, side, size) — no price — and, for the rare transaction where one wallet has two fills of the same
/// token, side and size (two of its orders matched at once), the `ordinal` of the fill among those twins: by log index
/// on the chain (which sees whole transactions), by price in row order in a recorded file (``RecordedFills``); a live
/// feed cannot count twins, so its fill is the first (ordinal 0).
public struct TradeKey: Hashable, Sendable {
    public var transactionHash: String
    public var wallet: Address
    public var asset: String
    public var side: TradeSide
    public var size: Micros
    /// Which of the transaction's fills with the four values above this is (0: the first by log index).
    public var ordinal: Int

    /// Builds a key from its parts.
    public init(
        transactionHash: String, wallet: Address, asset: String, side: TradeSide, size: Micros, ordinal: Int = 0
    ) {
        self.transactionHash = transactionHash
        self.wallet = wallet
        self.asset = asset
        self.side = side
        self.size = size
        self.ordinal = ordinal
    }
}

/// One fill of one wallet on one outcome token, as the Data API and RTDS report it.
public struct Trade: Hashable, Sendable, Codable {
    /// Polygon transaction hash of the settlement, lower-case `0x` + 64 hex digits.
    public var transactionHash: String
    /// The trader's proxy wallet (funder).
    public var wallet: Address
    /// ERC-1155 outcome token id, decimal text of a uint256.
    public var asset: String
    /// Market condition id, lower-case `0x` + 64 hex digits.
    public var conditionId: String
    /// BUY or SELL, for this wallet.
    public var side: TradeSide
    /// Shares, in micro units.
    public var size: Micros
    /// Price per share in micro units (0…1_000_000).
    public var price: Micros
    /// Trade (block) time, seconds since the Unix epoch.
    public var timestamp: Int64
    /// Outcome label, e.g. "Yes".
    public var outcome: String
    /// Index into the market's outcomes; `nil` when the venue sent none or a sentinel such as 999.
    public var outcomeIndex: Int?
    /// Market question.
    public var title: String
    /// Market slug.
    public var slug: String
    /// Event slug (groups the markets of a neg-risk event).
    public var eventSlug: String
    /// Trader's display name, possibly empty.
    public var traderName: String
    /// Trader's auto-generated pseudonym, possibly empty.
    public var pseudonym: String
    /// Where the trade came from.
    public var source: TradeSource
    /// The `OrderFilled` log's index in its block, when the trade came from the chain (nil from the feeds).
    public var logIndex: Int?
    /// Among its transaction's fills of the same wallet, token, side and size, which one this is (by log index on the
    /// chain, by price in row order in a recorded file; nil is the first, as for every live feed's fill). Part of the
    /// ``key``.
    public var ordinal: Int?

    /// Creates a trade. Text fields default to empty.
    public init(
        transactionHash: String, wallet: Address, asset: String, conditionId: String, side: TradeSide,
        size: Micros, price: Micros, timestamp: Int64, outcome: String = "", outcomeIndex: Int? = nil,
        title: String = "", slug: String = "", eventSlug: String = "", traderName: String = "",
        pseudonym: String = "", source: TradeSource, logIndex: Int? = nil, ordinal: Int? = nil
    ) {
        self.transactionHash = transactionHash
        self.wallet = wallet
        self.asset = asset
        self.conditionId = conditionId
        self.side = side
        self.size = size
        self.price = price
        self.timestamp = timestamp
        self.outcome = outcome
        self.outcomeIndex = outcomeIndex
        self.title = title
        self.slug = slug
        self.eventSlug = eventSlug
        self.traderName = traderName
        self.pseudonym = pseudonym
        self.source = source
        self.logIndex = logIndex
        self.ordinal = ordinal
    }

    /// The dedupe key.
    public var key: TradeKey {
        TradeKey(
            transactionHash: transactionHash, wallet: wallet, asset: asset, side: side, size: size,
            ordinal: ordinal ?? 0)
    }

    /// Size × price, the USDC value of the fill.
    public var notional: Micros { size.multiplied(by: price) }
}

/// Validation of the hex identifiers trades carry.
public enum Hex {
    /// True when `text` is `0x` followed by exactly `bytes * 2` lower-case hex digits.
    public static func isLowerHex(_ text: String, bytes: Int) -> Bool {
        var text = text
        // Contiguous UTF-8 makes this a tight loop on the hot feed path.
        return text.withUTF8 { u in
            guard u.count == 2 + bytes * 2, u[0] == 48, u[1] == 120 else { return false }
            for i in 2..<u.count {
                let c = u[i]
                guard (c >= 48 && c <= 57) || (c >= 97 && c <= 102) else { return false }
            }
            return true
        }
    }

    /// True when `text` is a non-empty decimal integer of at most 78 digits (a uint256).
    public static func isUInt256Decimal(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { u in
            guard !u.isEmpty, u.count <= 78 else { return false }
            for c in u where c < 48 || c > 57 { return false }
            return true
        }
    }
}
