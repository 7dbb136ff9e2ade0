import PolybotCore

extension OrderFilled {
    /// A fill to emit (the simulator's chain, tests): nil for a token id that is not a decimal 256-bit number, an
    /// address or hash that is not hex of its length, or a negative amount.
    public init?(
        exchange: String, orderHash: String, maker: String, taker: String, side: TradeSide, tokenId: String,
        makerAmountFilled: Micros, takerAmountFilled: Micros, fee: Micros = .zero, blockNumber: Int64,
        blockHash: String? = nil, transactionHash: String, logIndex: Int, removed: Bool = false
    ) {
        guard UInt256Word(decimal: tokenId) != nil,
            [exchange, maker, taker].allSatisfy({ EthAddress($0) != nil }),
            orderHash.utf8.count == 66, HexCoding.decode(orderHash) != nil,
            makerAmountFilled >= .zero, takerAmountFilled >= .zero, fee >= .zero, blockNumber >= 0, logIndex >= 0
        else { return nil }
        self.exchange = exchange.lowercased()
        self.orderHash = orderHash.lowercased()
        self.maker = maker.lowercased()
        self.taker = taker.lowercased()
        self.side = side
        self.tokenId = tokenId
        self.makerAmountFilled = makerAmountFilled
        self.takerAmountFilled = takerAmountFilled
        self.fee = fee
        let zero = HexCoding.encode([UInt8](repeating: 0, count: 32))
        builder = zero
        metadata = zero
        self.blockNumber = blockNumber
        self.blockHash = blockHash?.lowercased()
        self.transactionHash = transactionHash.lowercased()
        self.logIndex = logIndex
        self.removed = removed
    }

    /// The log as the V2 exchange emits it: four topics (event, order hash, maker, taker) and seven data words
    /// (side, token id, maker amount, taker amount, fee, builder, metadata), hex as a JSON-RPC node sends it.
    public var log: ChainLog {
        let data =
            "0x" + Self.word(side == .buy ? 0 : 1) + Self.word(UInt256Word(decimal: tokenId)?.bytes ?? [])
            + Self.word(makerAmountFilled.raw) + Self.word(takerAmountFilled.raw) + Self.word(fee.raw)
            + Self.word(HexCoding.decode(builder) ?? []) + Self.word(HexCoding.decode(metadata) ?? [])
        return chainLog(topics: [Self.topic0, orderHash, Self.topic(maker), Self.topic(taker)], data: data)
    }

    /// The V2 `OrdersMatched` summary the exchange emits with a taker's own record (this fill, `taker` = the exchange):
    /// topics (event, taker order hash, taker order maker) and four data words (side, token id, maker amount, taker
    /// amount). It repeats the taker's fill, so a reader of trades counts `OrderFilled` only.
    public var ordersMatchedLog: ChainLog {
        let data =
            "0x" + Self.word(side == .buy ? 0 : 1) + Self.word(UInt256Word(decimal: tokenId)?.bytes ?? [])
            + Self.word(makerAmountFilled.raw) + Self.word(takerAmountFilled.raw)
        return chainLog(topics: [Self.ordersMatchedTopic0, orderHash, Self.topic(maker)], data: data)
    }

    /// A log of this fill's exchange, block, transaction and index with the given topics and data.
    private func chainLog(topics: [String], data: String) -> ChainLog {
        ChainLog(
            address: exchange, topics: topics, data: data, blockNumber: "0x" + String(blockNumber, radix: 16),
            blockHash: blockHash, transactionHash: transactionHash, logIndex: "0x" + String(logIndex, radix: 16),
            removed: removed ? true : nil)
    }

    /// A 32-byte ABI word (left-padded), as hex without the prefix.
    private static func word(_ bytes: [UInt8]) -> String {
        HexCoding.encode([UInt8](repeating: 0, count: max(0, 32 - bytes.count)) + bytes, prefix: false)
    }

    private static func word(_ value: Int64) -> String { word(UInt256Word(UInt64(max(0, value))).bytes) }

    /// An address as an indexed topic (a padded word with the prefix).
    private static func topic(_ address: String) -> String { "0x" + word(HexCoding.decode(address) ?? []) }
}
