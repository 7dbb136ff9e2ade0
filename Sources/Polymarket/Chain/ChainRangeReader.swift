import Foundation
import PolybotCore

/// Reads the exchanges' `OrderFilled` logs of a block range and turns them into trades: the one reader of the chain
/// source and of `polybot backfill --chain`.
public struct ChainRangeReader: Sendable {
    /// Why a range could not be turned into trades.
    public enum Failure: Error, CustomStringConvertible {
        /// A whale-sized fill on a token Gamma does not know: the range waits (never a guessed market).
        case unknownToken(String, transaction: String)

        public var description: String {
            switch self {
            case .unknownToken(let t, let tx): "no market known for token \(t) (transaction \(tx))"
            }
        }
    }

    /// A range's trades by block, the hashes of the blocks they name, and the logs that did not decode.
    public struct Decoded: Sendable {
        public var hashes: [Int64: String] = [:]
        /// Every trade in block and log order, and the block of each.
        public var ordered: [Trade] = []
        public var blocks: [Int64] = []
        public var rejected: [String] = []

        /// The trades by block.
        public var trades: [Int64: [Trade]] {
            var out: [Int64: [Trade]] = [:]
            for (t, b) in zip(ordered, blocks) { out[b, default: []].append(t) }
            return out
        }

        /// Appends another range's trades (a later range: order is kept).
        public mutating func append(_ other: Decoded) {
            hashes.merge(other.hashes) { _, new in new }
            ordered += other.ordered
            blocks += other.blocks
            rejected += other.rejected
        }
    }

    /// The node it reads.
    public let rpc: PolygonRPC
    let tokens: any TokenMarkets
    /// Exchanges whose fills are trades, and those whose fills are combos (counted, left out); lower-case.
    public let exchanges: [String]
    public let comboExchanges: [String]
    let stats: ChainFeedStats

    /// Creates a reader.
    public init(
        rpc: PolygonRPC, tokens: any TokenMarkets, exchanges: [String] = ChainFeed.v2Exchanges,
        comboExchanges: [String] = [ChainFeed.v3Exchange], stats: ChainFeedStats = ChainFeedStats()
    ) {
        self.rpc = rpc
        self.tokens = tokens
        self.exchanges = exchanges.map { $0.lowercased() }
        self.comboExchanges = comboExchanges.map { $0.lowercased() }
        self.stats = stats
    }

    /// `eth_getLogs` of the exchanges' `OrderFilled` over `range`.
    ///
    /// - Throws: ``ChainRPCError/tooManyResults(_:)`` when the node refuses the range for its size.
    public func logs(_ range: ClosedRange<Int64>) async throws(ChainRPCError) -> [ChainLog] {
        try await rpc.logs(
            from: range.lowerBound, to: range.upperBound, addresses: exchanges + comboExchanges,
            topic0: OrderFilled.topic0)
    }

    /// Logs → trades. Combos and other events are counted and left out; a fill below `minNotional` whose token has no
    /// known market is counted and left out, one at or above it stops the range (``Failure/unknownToken(_:transaction:)``).
    public func decode(_ logs: [ChainLog], minNotional: Micros) async throws -> Decoded {
        var out = Decoded()
        var fills: [(OrderFilled, time: Int64?)] = []
        fills.reserveCapacity(logs.count)
        for log in logs where log.removed != true {
            if comboExchanges.contains(log.address.lowercased()) {
                stats.record { $0.combos += 1 }
                continue
            }
            do {
                fills.append((try OrderFilled(log), log.blockTimestamp.flatMap(ChainHex.quantity)))
            } catch ChainLogError.otherEvent(let topic) where topic.lowercased() == OrderFilled.ordersMatchedTopic0 {
                continue  // a match's summary (a node that ignored the topic filter): it repeats the taker's record
            } catch {
                stats.record { $0.rejected += 1 }
                out.rejected.append("\(error)")
            }
        }
        let markets = fills.isEmpty ? [:] : try await tokens.markets(tokens: Set(fills.map(\.0.tokenId)))
        var times: [Int64: Int64] = [:]
        // Nodes answer in block and log order; sorted only when one did not.
        let inOrder = zip(fills, fills.dropFirst()).allSatisfy {
            ($0.0.blockNumber, $0.0.logIndex) < ($1.0.blockNumber, $1.0.logIndex)
        }
        if !inOrder { fills.sort { ($0.0.blockNumber, $0.0.logIndex) < ($1.0.blockNumber, $1.0.logIndex) } }
        out.ordered.reserveCapacity(fills.count)
        out.blocks.reserveCapacity(fills.count)
        // Twins — one wallet's fills of the same token, side and size in one transaction — are told apart by their
        // order (a range holds whole blocks, so every fill of a transaction).
        var twins: [TradeKey: Int] = [:]
        for (fill, logTime) in fills {
            guard let price = fill.price, let wallet = Address(fill.maker) else {
                stats.record { $0.rejected += 1 }
                continue
            }
            guard let market = markets[fill.tokenId] else {
                if fill.shares.multiplied(by: price) >= minNotional {
                    throw Failure.unknownToken(fill.tokenId, transaction: fill.transactionHash)
                }
                stats.record { $0.unknownSmall += 1 }
                continue
            }
            if let h = fill.blockHash { out.hashes[fill.blockNumber] = h }
            let time: Int64
            if let t = logTime ?? times[fill.blockNumber] {
                time = t
            } else {
                guard let b = try await rpc.block(fill.blockNumber) else {
                    throw ChainRPCError.malformed("block \(fill.blockNumber) of a log is missing")
                }
                time = b.timestamp
                out.hashes[b.number] = out.hashes[b.number] ?? b.hash
            }
            times[fill.blockNumber] = time
            out.blocks.append(fill.blockNumber)
            var trade = Trade(
                transactionHash: fill.transactionHash, wallet: wallet, asset: fill.tokenId,
                conditionId: market.conditionId, side: fill.side, size: fill.shares, price: price, timestamp: time,
                outcome: market.outcome, outcomeIndex: market.outcomeIndex, title: market.question,
                slug: market.slug, eventSlug: market.eventSlug, source: .chain, logIndex: fill.logIndex)
            let ordinal = twins[trade.key, default: 0]
            twins[trade.key] = ordinal + 1
            if ordinal > 0 { trade.ordinal = ordinal }
            out.ordered.append(trade)
        }
        return out
    }
}
