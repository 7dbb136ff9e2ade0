import Foundation
import PolybotCore
import Polymarket

/// `eth_blockNumber`, `eth_getBlockByNumber` and `eth_getLogs` over the simulator's chain.
extension SimRPCRoutes {
    /// The answer to a chain method, nil for any other.
    static func chainMethod(_ object: [String: Any], id: String, exchange: SimExchange) async -> String? {
        let params = object["params"] as? [Any] ?? []
        func answer(_ result: String) -> String { "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\(result)}" }
        func failure(_ code: Int, _ message: String) -> String {
            "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"error\":{\"code\":\(code),\"message\":\(SimJSON.string(message))}}"
        }
        switch object["method"] as? String {
        case "eth_blockNumber":
            return answer("\"\(ChainHex.quantity(await exchange.chainHead))\"")
        case "eth_getBlockByNumber":
            guard let tag = params.first as? String, let n = await block(tag, exchange) else {
                return failure(-32602, "invalid block number")
            }
            return answer(await exchange.chainBlock(n) ?? "null")
        case "eth_getLogs":
            guard let filter = params.first as? [String: Any],
                let from = await block(filter["fromBlock"] as? String ?? "latest", exchange),
                let to = await block(filter["toBlock"] as? String ?? "latest", exchange)
            else { return failure(-32602, "invalid filter") }
            let topics = topic0(filter["topics"])
            let limit = await exchange.faults.getLogsLimit
            if topics.contains(ERC20Transfer.topic0) {
                // Funding: topic 1 (the sender) and topic 2 (the recipient) may each be null, one topic or a list.
                let t = filter["topics"] as? [Any] ?? []
                func topic(_ i: Int) -> Set<String> {
                    guard t.count > i else { return [] }
                    if let one = t[i] as? String { return [one.lowercased()] }
                    if let many = t[i] as? [String] { return Set(many.map { $0.lowercased() }) }
                    return []
                }
                guard
                    let logs = await exchange.chainTransferLogs(
                        from: from, to: to, tokens: addresses(filter["address"]), senders: topic(1),
                        recipients: topic(2))
                else { return failure(-32005, "query returned more than \(limit) results") }
                return answer("[" + logs.joined(separator: ",") + "]")
            }
            guard
                let logs = await exchange.chainLogs(
                    from: from, to: to, addresses: addresses(filter["address"]), topics: topics)
            else { return failure(-32005, "query returned more than \(limit) results") }
            return answer("[" + logs.joined(separator: ",") + "]")
        default:
            return nil
        }
    }

    /// A block tag or hex number.
    private static func block(_ tag: String, _ exchange: SimExchange) async -> Int64? {
        switch tag {
        case "latest", "safe", "finalized", "pending": return await exchange.chainHead
        case "earliest": return SimChain.genesis
        default: return ChainHex.quantity(tag)
        }
    }

    /// A filter's topic-0 values (a filter's `topics[0]`: one topic or a list; absent or null: any).
    static func topic0(_ value: Any?) -> Set<String> {
        guard let t = value as? [Any], let first = t.first else { return [] }
        if let one = first as? String { return [one.lowercased()] }
        if let many = first as? [String] { return Set(many.map { $0.lowercased() }) }
        return []
    }

    /// A filter's `address`: one string or a list (lower-cased; empty: any).
    static func addresses(_ value: Any?) -> Set<String> {
        if let one = value as? String { return [one.lowercased()] }
        if let many = value as? [String] { return Set(many.map { $0.lowercased() }) }
        return []
    }

    /// A log as a node sends it (with `blockTimestamp`, which newer nodes add).
    static func logJSON(_ s: SimChain.Served, timestamp: Int64, removed: Bool) -> String {
        let f = s.fill
        return "{\"address\":\"\(f.exchange)\",\"topics\":\(s.topics),\"data\":\"\(s.data)\","
            + "\"blockNumber\":\"\(ChainHex.quantity(f.blockNumber))\",\"blockHash\":\"\(f.blockHash ?? "")\","
            + "\"blockTimestamp\":\"\(ChainHex.quantity(timestamp))\",\"transactionHash\":\"\(f.transactionHash)\","
            + "\"transactionIndex\":\"0x0\",\"logIndex\":\"\(ChainHex.quantity(Int64(f.logIndex)))\",\"removed\":\(removed)}"
    }

    /// A block header (no transactions).
    static func blockJSON(number: Int64, chain: SimChain) -> String {
        "{\"number\":\"\(ChainHex.quantity(number))\",\"hash\":\"\(chain.hash(number))\","
            + "\"parentHash\":\"\(chain.hash(number - 1))\",\"timestamp\":\"\(ChainHex.quantity(chain.timestamp(number)))\","
            + "\"transactions\":[]}"
    }
}
