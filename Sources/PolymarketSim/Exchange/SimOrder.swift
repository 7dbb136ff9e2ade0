import Foundation
import PolybotCore
import Polymarket

/// An order resting on (or matched by) the simulated CLOB.
public struct SimOrder: Sendable {
    public var id: String
    public var apiKey: String
    public var maker: String
    public var tokenId: String
    public var market: String
    public var side: TradeSide
    public var price: Micros
    public var originalSize: Micros
    public var matched: Micros
    /// LIVE, MATCHED or CANCELED.
    public var status: String
    public var orderType: OrderType
    public var expiration: Int64
    public var createdAt: Int64
    public var trades: [String]

    var remaining: Micros { originalSize - matched }
}

/// One fill of one of our orders.
public struct SimFill: Sendable {
    public var id: String
    public var orderId: String
    public var apiKey: String
    public var tokenId: String
    public var market: String
    public var side: TradeSide
    public var size: Micros
    public var price: Micros
    public var matchTime: Int64
    public var transactionHash: String
    public var status: String
    /// Whether our order took liquidity (matched on arrival) or was resting (matched by a later trade).
    public var taker: Bool
    /// The platform fee charged on this fill (takers only): the market's schedule, floored to 0.00001 pUSD.
    public var fee: Micros
    /// The market's base fee rate in basis points (what trade events report as `fee_rate_bps`).
    public var feeRateBps: Int64
}

/// A rejection with the CLOB's own message and status code.
public struct SimRejection: Error, Sendable {
    public var status: Int
    public var message: String
    /// The venue's machine-readable code (`post_only_mode`), when it sends one.
    public var code: String? = nil
    /// Seconds until the venue may take the order (`retry_after_seconds` and `Retry-After`), when it says.
    public var retryAfterSeconds: Int? = nil

    /// A batch entry the venue did not place: post-only mode answers `success: true` with an `errorMsg` and an empty
    /// `orderID` (venue facts §4.1), any other refusal `success: false`.
    var batchEntry: String {
        "{\"success\":\(code == "post_only_mode"),\"errorMsg\":\(SimJSON.string(message)),\"orderID\":\"\",\"status\":\"\",\"takingAmount\":\"\",\"makingAmount\":\"\",\"transactionsHashes\":[]}"
    }
}
