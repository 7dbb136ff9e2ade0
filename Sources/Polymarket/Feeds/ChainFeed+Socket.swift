import Foundation
import PolybotCore
import Synchronization

extension ChainFeed {
    /// `eth_subscribe` to new heads and to the exchanges' `OrderFilled` logs: every head or removed log wakes the
    /// follower; a log above the last final block is delivered as provisional (alerts only).
    func subscribe(url: String, shared: Shared, emit: @escaping @Sendable (FeedEvent) async -> Void) async {
        let filter = ChainHex.logFilter(
            from: nil, to: nil, configuration.exchanges, OrderFilled.topic0)
        let subscriptions = [
            #"{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"eth_subscribe","params":["logs","# + filter + "]}",
        ]
        let socket = ReconnectingWebSocket(
            configuration: .init(
                url: url, pingText: #"{"jsonrpc":"2.0","id":0,"method":"eth_blockNumber","params":[]}"#,
                pingInterval: .seconds(15), stallTimeout: configuration.stallTimeout, controlFramesKeepAlive: true),
            logger: logger)
        await socket.run(
            .init(
                subscriptions: { subscriptions },
                opened: { attempt in
                    self.stats.record { $0.connections += 1 }
                    await emit(.connected(attempt: attempt))
                    shared.ring()
                },
                text: { text in await self.notification(text, shared: shared, emit: emit) },
                stalled: { seconds in await emit(.stalled(silentSeconds: seconds)) },
                closed: { reason, _ in
                    await emit(.disconnected(reason: "chain subscription: \(reason)"))
                    shared.ring()
                }))
    }

    /// One frame of the subscription socket.
    private func notification(_ text: String, shared: Shared, emit: @Sendable (FeedEvent) async -> Void) async {
        struct Frame: Decodable {
            struct Params: Decodable { var result: Payload? }
            struct Payload: Decodable {
                var number: String?
                var topics: [String]?
            }
            var method: String?
            var params: Params?
        }
        let data = Data(text.utf8)
        guard let frame = try? JSONDecoder().decode(Frame.self, from: data), frame.method == "eth_subscription",
            let payload = frame.params?.result
        else { return }  // answers to subscribe and ping requests
        if payload.topics == nil {
            shared.ring()  // a new head
            return
        }
        struct LogFrame: Decodable {
            struct Params: Decodable { var result: ChainLog }
            var params: Params
        }
        let log: ChainLog
        do { log = try JSONDecoder().decode(LogFrame.self, from: data).params.result } catch {
            await emit(.decodeError(.invalidField("eth_subscription log", "\(error)")))
            return
        }
        guard log.removed != true else {
            shared.ring()  // a reorg: the next round checks the final blocks' hashes
            return
        }
        guard let fill = try? OrderFilled(log), fill.blockNumber > shared.processed.load(ordering: .acquiring),
            let time = log.blockTimestamp.flatMap(ChainHex.quantity), let price = fill.price,
            let wallet = Address(fill.maker)
        else { return }  // provisional trades are a courtesy for alerts; the final read decides
        let market: TokenMarket?
        do { market = try await tokens.markets(tokens: [fill.tokenId])[fill.tokenId] } catch { return }
        guard let market else { return }
        stats.record { $0.provisional += 1 }
        await emit(
            .provisional(
                Trade(
                    transactionHash: fill.transactionHash, wallet: wallet, asset: fill.tokenId,
                    conditionId: market.conditionId, side: fill.side, size: fill.shares, price: price, timestamp: time,
                    outcome: market.outcome, outcomeIndex: market.outcomeIndex, title: market.question,
                    slug: market.slug, eventSlug: market.eventSlug, source: .chain, logIndex: fill.logIndex)))
    }
}
