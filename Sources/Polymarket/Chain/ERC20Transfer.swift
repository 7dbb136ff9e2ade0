import PolybotCore

/// The ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)` log of a collateral token: the
/// funding evidence the chain gives (issue 31).
public enum ERC20Transfer {
    /// keccak256("Transfer(address,address,uint256)").
    public static let topic0 = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

    /// An address as an indexed topic (left-padded to 32 bytes).
    public static func topic(_ a: Address) -> String { "0x" + String(repeating: "0", count: 24) + a.hex.dropFirst(2) }

    /// The log a transfer makes (what the simulator's chain serves).
    public static func log(_ t: FundingTransfer, block: Int64, transactionHash: String, logIndex: Int) -> ChainLog {
        let hex = String(UInt64(t.amount.raw), radix: 16)
        return ChainLog(
            address: t.token.hex, topics: [topic0, topic(t.from), topic(t.to)],
            data: "0x" + String(repeating: "0", count: 64 - hex.count) + hex,
            blockNumber: ChainHex.quantity(block), blockHash: nil, transactionHash: transactionHash,
            logIndex: ChainHex.quantity(Int64(logIndex)))
    }

    /// A transfer from its log, at the block's time (Unix seconds). The token's 6 decimals make the value micro-USDC.
    ///
    /// - Throws: ``ChainLogError`` for another event, a malformed log or a value beyond micro units.
    public static func decode(_ log: ChainLog, time: Int64) throws(ChainLogError) -> FundingTransfer {
        guard log.topics.first?.lowercased() == topic0 else { throw .otherEvent(log.topics.first ?? "none") }
        guard log.topics.count == 3, let token = Address(log.address),
            let f = HexCoding.decode(log.topics[1]), let t = HexCoding.decode(log.topics[2]),
            let from = ABIWord.address(f[...]).flatMap({ Address($0) }),
            let to = ABIWord.address(t[...]).flatMap({ Address($0) }),
            let data = HexCoding.decode(log.data), data.count == 32
        else { throw .malformed("Transfer \(log.transactionHash) \(log.logIndex)") }
        guard let value = ABIWord.uint64(data[...]), value <= UInt64(Int64.max) else {
            throw .amountTooLarge("Transfer \(log.transactionHash) \(log.logIndex)")
        }
        return FundingTransfer(time: time, token: token, from: from, to: to, amount: Micros(Int64(value)))
    }
}

extension PolygonRPC {
    /// The `Transfer` logs of `tokens` in blocks `from...to`, from any of `senders` (topic 1; empty: any) into any of
    /// `recipients` (topic 2; empty: any).
    ///
    /// - Throws: ``ChainRPCError/tooManyResults(_:)`` when the node refuses the range for its size.
    public func transferLogs(
        from: Int64, to: Int64, tokens: [Address], senders: [Address] = [], recipients: [Address] = []
    ) async throws(ChainRPCError) -> [ChainLog] {
        func topic(_ list: [Address]) -> String {
            list.isEmpty ? "null" : "[" + list.map { "\"\(ERC20Transfer.topic($0))\"" }.joined(separator: ",") + "]"
        }
        let filter =
            "{\"fromBlock\":\"\(ChainHex.quantity(from))\",\"toBlock\":\"\(ChainHex.quantity(to))\","
            + "\"address\":[" + tokens.map { "\"\($0.hex)\"" }.joined(separator: ",") + "],"
            + "\"topics\":[\"\(ERC20Transfer.topic0)\",\(topic(senders)),\(topic(recipients))]}"
        return try await rawLogs(filter)
    }
}
