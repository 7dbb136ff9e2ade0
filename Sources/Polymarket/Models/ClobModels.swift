import Foundation
import PolybotCore

/// `GET /markets/{condition_id}` on the CLOB.
public struct ClobMarket: Decodable, Sendable {
    public struct Token: Decodable, Sendable {
        public var token_id: String?
        public var outcome: String?
        public var price: LenientDecimal?
        public var winner: LenientBool?
    }
    public var condition_id: String?
    public var question: String?
    public var market_slug: String?
    public var active: LenientBool?
    public var closed: LenientBool?
    public var accepting_orders: LenientBool?
    public var neg_risk: LenientBool?
    public var minimum_order_size: LenientDecimal?
    public var minimum_tick_size: LenientDecimal?
    public var tokens: [Token]?
    /// A `version` the record may carry. Orders are signed for the exchange Gamma's market `version` names
    /// (``GammaMarket/exchangeVersion``), the venue's documented source; this field is not read for that.
    public var version: LenientString?

    /// The token with `winner: true`, once resolved.
    public var winningTokenId: String? { tokens?.first { $0.winner?.value == true }?.token_id }
}

/// `POST /order` response. A non-empty `errorMsg` means the order was not (fully) placed even when `success` is true.
public struct OrderPostResponse: Decodable, Sendable, Equatable {
    public var success: Bool
    public var errorMsg: String
    public var orderID: String
    public var status: String
    public var takingAmount: String
    public var makingAmount: String
    public var transactionsHashes: [String]
    /// The trades an order matched on arrival. Since 2026-07-24 these come back for FAK/FOK (and any matched) orders,
    /// and settlement hashes may be missing: each trade is then followed by its id (`GET /data/trades?id=`).
    public var tradeIDs: [String]

    enum CodingKeys: String, CodingKey {
        case success, errorMsg, error_msg, orderID, status, takingAmount, makingAmount, transactionsHashes,
            transactionHashes, tradeIDs, tradeIds, trade_ids
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        success = c.lenient(LenientBool.self, .success)?.value ?? false
        errorMsg = c.lenient(String.self, .errorMsg) ?? c.lenient(String.self, .error_msg) ?? ""
        orderID = c.lenient(String.self, .orderID) ?? ""
        status = c.lenient(String.self, .status) ?? ""
        takingAmount = c.lenient(String.self, .takingAmount) ?? ""
        makingAmount = c.lenient(String.self, .makingAmount) ?? ""
        transactionsHashes =
            c.lenient([String].self, .transactionsHashes) ?? c.lenient([String].self, .transactionHashes) ?? []
        tradeIDs =
            c.lenient([String].self, .tradeIDs) ?? c.lenient([String].self, .tradeIds)
            ?? c.lenient([String].self, .trade_ids) ?? []
    }

    /// True when the CLOB accepted the order.
    public var accepted: Bool { success && errorMsg.isEmpty && !orderID.isEmpty }
}

/// `GET /balance-allowance`: the funder's balance (6-decimal integer text) and its allowances per spender.
public struct ClobBalanceAllowance: Decodable, Sendable {
    public var balance: String
    public var allowances: [String: String]

    /// The balance in micro units, nil when unreadable.
    public var balanceMicros: Micros? { Int64(balance).map(Micros.init) }

    /// Whether `spender` has a non-zero allowance (a missing or unreadable entry is none).
    public func allows(_ spender: EthAddress) -> Bool {
        guard
            let text = allowances.first(where: { EthAddress($0.key) == spender })?.value,
            let first = text.first(where: { $0 != "0" })
        else { return false }
        return first.isNumber
    }
}

/// polymarket.com's geoblock answer.
public struct GeoblockStatus: Decodable, Sendable {
    public var blocked: Bool
    public var ip: String?
    public var country: String?
    public var region: String?
}

/// An open order from `GET /data/orders` or `/data/order/{id}`.
public struct ClobOpenOrder: Decodable, Sendable {
    public var id: String?
    public var status: String?
    public var market: String?
    public var asset_id: String?
    public var side: String?
    public var original_size: LenientDecimal?
    public var size_matched: LenientDecimal?
    public var price: LenientDecimal?
    public var associate_trades: [String]?
    public var order_type: String?
    public var expiration: LenientDecimal?
    public var created_at: LenientDecimal?
}

/// One of our trades from `GET /data/trades`.
public struct ClobTrade: Decodable, Sendable {
    public struct MakerOrder: Decodable, Sendable {
        public var order_id: String?
        public var matched_amount: LenientDecimal?
        public var price: LenientDecimal?
    }
    public var id: String?
    public var taker_order_id: String?
    public var market: String?
    public var asset_id: String?
    public var side: String?
    public var size: LenientDecimal?
    public var price: LenientDecimal?
    public var status: String?
    public var match_time: LenientDecimal?
    public var transaction_hash: String?
    public var trader_side: String?
    public var maker_orders: [MakerOrder]?
}

/// A cursor page `{"data": [...], "next_cursor": "..."}`; `"LTE="` ends the walk.
public struct ClobPage<Element: Decodable & Sendable>: Decodable, Sendable {
    public var data: [Element]
    public var next_cursor: String?

    /// The cursor that starts a walk.
    public static var start: String { "MA==" }
    /// The cursor that ends one.
    public static var end: String { "LTE=" }
}
