import Foundation
import PolybotCore
import Polymarket

/// A `/rpc` WebSocket: its frames and its subscriptions (id → `newHeads`, or the log filter's addresses).
struct SimRPCSocket {
    enum Subscription {
        case newHeads
        /// A log filter: exchange addresses and topic-0 values (each empty: any).
        case logs(addresses: Set<String>, topics: Set<String>)
    }

    var continuation: AsyncStream<String>.Continuation
    var subscriptions: [String: Subscription] = [:]
}

/// The chain: sealing blocks, the reorg fault, subscriptions, and what the Data API may show under `data-api-lag`.
extension SimExchange {
    /// The exchange a trade settles on: the neg-risk V2 exchange for a neg-risk market, else the V2 exchange.
    func chainExchange(for t: Trade) -> String {
        let negRisk = tokenMarket[t.asset].flatMap { markets[$0] }?.negRisk ?? false
        return ChainFeed.v2Exchanges[negRisk ? 1 : 0]
    }

    /// Seals the blocks holding published trades (and `extra` empty blocks), after first replacing the blocks a
    /// planted reorg marked; subscribers get removed logs, new logs and the new head; then the next reorg is planted.
    func sealChain(extra: Int64 = 0) {
        if let (removed, added) = chain.applyReorg() {
            for f in removed { broadcastLog(f, removed: true) }
            for f in added { broadcastLog(f, removed: false) }
        }
        if let sealed = chain.seal(extra: extra) {
            lastBlockWall = .now
            if !rpcSockets.isEmpty {
                for b in sealed {
                    for f in chain.logs(from: b, to: b, addresses: [], topics: []) { broadcastLog(f, removed: false) }
                }
            }
            broadcastHead()
        }
        if faults.reorgDepth > 0, let orphan = chain.plantReorg(depth: faults.reorgDepth, every: faults.reorgEvery) {
            broadcastLog(orphan, removed: false)
        }
    }

    /// Schedules a reorg that drops `transaction` from the chain at the next mining (tests: a copied whale's trade taken
    /// back). False when the transaction is in no block or another reorg is pending.
    @discardableResult
    public func reorgDropping(transaction: String) -> Bool { chain.dropOnReorg(transaction: transaction.lowercased()) }

    /// Mines `count` empty blocks now (`POST /_sim/mine`; tests move the head past their confirmations).
    public func mine(blocks count: Int) { sealChain(extra: Int64(max(0, count))) }

    /// The replay's tick: outside `manual`, a block every 2 s of wall clock keeps the head moving between trades and
    /// after the history ends.
    func chainTick() {
        if ContinuousClock.now - lastBlockWall >= .seconds(SimChain.blockSeconds) { mine(blocks: 1) }
    }

    /// The newest block number.
    public var chainHead: Int64 { chain.head }

    /// Transactions the reorg fault orphaned (never final on the chain, never on the Data API).
    public var orphanedTransactions: [String] { chain.orphans }

    /// How many published trades the Data API shows: all but those published within the last `data-api-lag` seconds.
    var dataAPIVisible: Int {
        guard faults.dataAPILagSeconds > 0 else { return published }
        let cutoff = ContinuousClock.now - .milliseconds(Int64(faults.dataAPILagSeconds * 1000))
        var (lo, hi) = (0, min(published, publishedWall.count))
        while lo < hi {
            let mid = (lo + hi) / 2
            if publishedWall[mid] <= cutoff { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: - Subscriptions

    /// Registers a `/rpc` WebSocket.
    public func openRPCSocket() -> (UUID, AsyncStream<String>) {
        let id = UUID()
        // Why bufferingOldest(100_000): a client may lag behind a fast replay; keep every notification in order.
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(100_000))
        rpcSockets[id] = SimRPCSocket(continuation: continuation)
        return (id, stream)
    }

    /// Forgets a `/rpc` WebSocket.
    public func closeRPCSocket(_ id: UUID) {
        rpcSockets[id]?.continuation.finish()
        rpcSockets[id] = nil
    }

    /// Closes every `/rpc` WebSocket (the `rpc-drop` fault).
    public func dropRPCSockets() {
        for (_, s) in rpcSockets { s.continuation.finish() }
        rpcSockets.removeAll()
    }

    /// `/rpc` WebSockets with at least one subscription (tests wait for the client).
    public var rpcSubscribers: Int { rpcSockets.values.filter { !$0.subscriptions.isEmpty }.count }

    /// `eth_subscribe` / `eth_unsubscribe` on a socket; nil for any other method (answered like HTTP).
    func rpcSubscription(_ socket: UUID, _ object: [String: Any], id: String) -> String? {
        let params = object["params"] as? [Any] ?? []
        switch object["method"] as? String {
        case "eth_subscribe":
            let sub: SimRPCSocket.Subscription
            switch params.first as? String {
            case "newHeads": sub = .newHeads
            case "logs":
                let filter = params.count > 1 ? params[1] as? [String: Any] : nil
                sub = .logs(
                    addresses: SimRPCRoutes.addresses(filter?["address"]),
                    topics: SimRPCRoutes.topic0(filter?["topics"]))
            default:
                return
                    "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"error\":{\"code\":-32602,\"message\":\"unsupported subscription\"}}"
            }
            let subId = "0x" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            rpcSockets[socket]?.subscriptions[subId] = sub
            rpcSubscriptionsMade += 1
            return "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\"\(subId)\"}"
        case "eth_unsubscribe":
            let subId = params.first as? String ?? ""
            let found = rpcSockets[socket]?.subscriptions.removeValue(forKey: subId) != nil
            return "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\(found)}"
        default:
            return nil
        }
    }

    private func broadcastLog(_ f: SimChain.Served, removed: Bool) {
        guard !rpcSockets.isEmpty else { return }
        let json = SimRPCRoutes.logJSON(f, timestamp: chain.timestamp(f.fill.blockNumber), removed: removed)
        for (_, s) in rpcSockets {
            for (subId, sub) in s.subscriptions {
                guard case .logs(let addresses, let topics) = sub,
                    addresses.isEmpty || addresses.contains(f.fill.exchange),
                    topics.isEmpty || topics.contains(f.topic0)
                else { continue }
                s.continuation.yield(Self.notification(subId, json))
            }
        }
    }

    private func broadcastHead() {
        guard !rpcSockets.isEmpty else { return }
        let json = SimRPCRoutes.blockJSON(number: chain.head, chain: chain)
        for (_, s) in rpcSockets {
            for (subId, sub) in s.subscriptions {
                if case .newHeads = sub { s.continuation.yield(Self.notification(subId, json)) }
            }
        }
    }

    private static func notification(_ subscription: String, _ result: String) -> String {
        "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{\"subscription\":\"\(subscription)\",\"result\":\(result)}}"
    }

    // MARK: - Reads

    /// `eth_getLogs` over the sealed blocks: the logs, or nil when there are more than the `rpc-getlogs-limit`.
    public func chainLogs(from: Int64, to: Int64, addresses: Set<String>, topics: Set<String>) -> [String]? {
        let fills = chain.logs(from: from, to: to, addresses: addresses, topics: topics)
        if faults.getLogsLimit > 0, fills.count > faults.getLogsLimit { return nil }
        return fills.map { SimRPCRoutes.logJSON($0, timestamp: chain.timestamp($0.fill.blockNumber), removed: false) }
    }

    /// `eth_getLogs` of `Transfer`s (topic 0 ``ERC20Transfer/topic0``) from `senders` into `recipients` (padded topics;
    /// empty: any).
    func chainTransferLogs(
        from: Int64, to: Int64, tokens: Set<String>, senders: Set<String>, recipients: Set<String>
    ) -> [String]? {
        let logs = chain.transferLogs(from: from, to: to, tokens: tokens, senders: senders, recipients: recipients)
        if faults.getLogsLimit > 0, logs.count > faults.getLogsLimit { return nil }
        return logs.map { l in
            "{\"address\":\"\(l.address)\",\"topics\":[" + l.topics.map { "\"\($0)\"" }.joined(separator: ",")
                + "],\"data\":\"\(l.data)\",\"blockNumber\":\"\(l.blockNumber)\",\"blockHash\":\"\(l.blockHash ?? "")\","
                + "\"blockTimestamp\":\"\(l.blockTimestamp ?? "0x0")\",\"transactionHash\":\"\(l.transactionHash)\","
                + "\"transactionIndex\":\"0x0\",\"logIndex\":\"\(l.logIndex)\",\"removed\":false}"
        }
    }

    /// Plants funding transfers on the chain (each in the block of its time; before the replay: the genesis block).
    public func plantTransfers(_ list: [FundingTransfer]) {
        for t in list.sorted(by: { $0.time < $1.time }) { chain.plant(t) }
    }

    /// `eth_getBlockByNumber`: a sealed block's header, nil above the head (blocks before the genesis are the empty
    /// history before the replay).
    func chainBlock(_ number: Int64) -> String? {
        guard number >= 0, number <= chain.head else { return nil }
        return SimRPCRoutes.blockJSON(number: number, chain: chain)
    }
}
