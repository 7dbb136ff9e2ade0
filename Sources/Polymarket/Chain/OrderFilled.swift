import PolybotCore

/// A CTF Exchange V2 `OrderFilled` event (feeds notes §6.2): one order's part of a match, emitted by the V2 exchange and
/// the neg-risk V2 exchange. `maker` is the funding wallet of that order (the Data API's `proxyWallet`); the taker's
/// own fill is the record whose `taker` is the exchange itself. Amounts have 6 decimals.
public struct OrderFilled: Sendable, Equatable {
    /// The event's signature, whose Keccak-256 is ``topic0``.
    public static let signature =
        "OrderFilled(bytes32,address,address,uint8,uint256,uint256,uint256,uint256,bytes32,bytes32)"
    /// Topic 0 of the event (feeds notes §6.2; recomputed from ``signature`` by a test).
    public static let topic0 = "0xd543adfd945773f1a62f74f0ee55a5e3b9b1a28262980ba90b1a89f2ea84d8ee"
    /// The V2 summary event emitted with a taker's record (feeds notes §6.2), whose Keccak-256 is
    /// ``ordersMatchedTopic0``.
    public static let ordersMatchedSignature = "OrdersMatched(bytes32,address,uint8,uint256,uint256,uint256)"
    /// Topic 0 of ``ordersMatchedSignature``.
    public static let ordersMatchedTopic0 = "0x174b3811690657c217184f89418266767c87e4805d09680c39fc9c031c0cab7c"

    /// The exchange that emitted it, lower-case.
    public var exchange: String
    public var orderHash: String
    /// The order's funding wallet, lower-case.
    public var maker: String
    /// The counterparty, lower-case: the exchange itself on the taker's own record.
    public var taker: String
    /// The maker order's side.
    public var side: TradeSide
    /// The outcome token, in decimal.
    public var tokenId: String
    /// What the maker gave: USDC for a BUY, shares for a SELL.
    public var makerAmountFilled: Micros
    /// What the maker got: shares for a BUY, USDC for a SELL.
    public var takerAmountFilled: Micros
    public var fee: Micros
    public var builder: String
    public var metadata: String
    public var blockNumber: Int64
    public var blockHash: String?
    public var transactionHash: String
    public var logIndex: Int
    /// Taken back by a reorg.
    public var removed: Bool

    /// Decodes a log of this event.
    ///
    /// - Throws: ``ChainLogError`` for another event, a malformed log, or an amount beyond micro units.
    public init(_ log: ChainLog) throws(ChainLogError) {
        // Another event (an `OrdersMatched` summary, three topics) is named as such before its shape is checked.
        guard let first = log.topics.first, first.lowercased() == Self.topic0 else {
            throw .otherEvent(log.topics.first ?? "none")
        }
        guard log.topics.count == 4 else { throw .malformed("\(log.topics.count) topics, 4 expected") }
        guard let data = HexCoding.decode(log.data), data.count == 7 * 32 else {
            throw .malformed("data of \(log.data.utf8.count) hex characters, 7 words expected")
        }
        guard let makerWord = HexCoding.decode(log.topics[2]), let takerWord = HexCoding.decode(log.topics[3]),
            let maker = ABIWord.address(makerWord[...]), let taker = ABIWord.address(takerWord[...]),
            log.topics[1].utf8.count == 66
        else { throw .malformed("topics") }
        func word(_ i: Int) -> ArraySlice<UInt8> { data[(i * 32)..<((i + 1) * 32)] }
        func amount(_ i: Int, _ name: String) throws(ChainLogError) -> Micros {
            guard let v = ABIWord.uint64(word(i)), v <= UInt64(Int64.max) else { throw .amountTooLarge(name) }
            return Micros(Int64(v))
        }
        switch ABIWord.uint64(word(0)) {
        case 0: side = .buy
        case 1: side = .sell
        default: throw .malformed("side word")
        }
        guard let block = Int64(log.blockNumber.dropFirst(2), radix: 16), log.blockNumber.hasPrefix("0x"),
            let index = Int(log.logIndex.dropFirst(2), radix: 16), log.logIndex.hasPrefix("0x")
        else { throw .malformed("block number or log index") }
        exchange = log.address.lowercased()
        orderHash = log.topics[1].lowercased()
        self.maker = maker
        self.taker = taker
        tokenId = ABIWord.decimal(word(1))
        makerAmountFilled = try amount(2, "makerAmountFilled")
        takerAmountFilled = try amount(3, "takerAmountFilled")
        fee = try amount(4, "fee")
        builder = HexCoding.encode(word(5))
        metadata = HexCoding.encode(word(6))
        blockNumber = block
        blockHash = log.blockHash?.lowercased()
        transactionHash = log.transactionHash.lowercased()
        logIndex = index
        removed = log.removed ?? false
    }

    /// The taker's own record (the exchange as counterparty): the other side of the match, already present as the
    /// makers' records, so a volume or a wallet's trades count it once, from the taker's side only.
    public var isTakersOwnFill: Bool { taker == exchange }

    /// Shares that changed hands in this record.
    public var shares: Micros { side == .buy ? takerAmountFilled : makerAmountFilled }

    /// USDC that changed hands in this record (before the fee).
    public var usdc: Micros { side == .buy ? makerAmountFilled : takerAmountFilled }

    /// USDC per share, in micro units rounded to the nearest; nil when no share changed hands.
    public var price: Micros? {
        guard shares > .zero else { return nil }
        let (q, r) = (usdc.raw.multipliedFullWidth(by: Micros.scale))
        let (quotient, remainder) = shares.raw.dividingFullWidth((high: q, low: r))
        return Micros(quotient + (remainder * 2 >= shares.raw ? 1 : 0))
    }

    /// The unique key of the record on the chain: transaction hash and log index.
    public var key: String { "\(transactionHash):\(logIndex)" }
}
