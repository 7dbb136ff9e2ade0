import Foundation
import PolybotCore
import Synchronization

extension ChainFeed {
    /// Why a range could not be delivered.
    enum ChainSourceError: Error, CustomStringConvertible {
        /// A whale-sized fill on a token Gamma does not know: the range waits (never a guessed market).
        case unknownToken(String, transaction: String)

        var description: String {
            switch self {
            case .unknownToken(let t, let tx): "no market known for token \(t) (transaction \(tx))"
            }
        }
    }

    /// Logs of one range → final trades by block, and the hashes of the blocks they name. Combos (V3) and other
    /// events are counted and left out; a malformed fill is reported as a decode error.
    func decode(
        _ logs: [ChainLog], emit: @Sendable (FeedEvent) async -> Void
    ) async throws -> (hashes: [Int64: String], trades: [Int64: [Trade]]) {
        var fills: [(OrderFilled, time: Int64?)] = []
        fills.reserveCapacity(logs.count)
        for log in logs where log.removed != true {
            if configuration.comboExchanges.contains(log.address.lowercased()) {
                stats.record { $0.combos += 1 }
                continue
            }
            do {
                let fill = try OrderFilled(log)
                fills.append((fill, log.blockTimestamp.flatMap(ChainHex.quantity)))
            } catch {
                stats.record { $0.rejected += 1 }
                await emit(.decodeError(.invalidField("OrderFilled", "\(error)")))
            }
        }
        let markets = fills.isEmpty ? [:] : try await tokens.markets(tokens: Set(fills.map(\.0.tokenId)))
        var times: [Int64: Int64] = [:]
        var hashes: [Int64: String] = [:]
        var trades: [Int64: [Trade]] = [:]
        let threshold = minNotional()
        for (fill, logTime) in fills.sorted(by: {
            ($0.0.blockNumber, $0.0.logIndex) < ($1.0.blockNumber, $1.0.logIndex)
        }) {
            guard let price = fill.price, let wallet = Address(fill.maker) else {
                stats.record { $0.rejected += 1 }
                continue
            }
            guard let market = markets[fill.tokenId] else {
                if fill.shares.multiplied(by: price) >= threshold {
                    throw ChainSourceError.unknownToken(fill.tokenId, transaction: fill.transactionHash)
                }
                stats.record { $0.unknownSmall += 1 }
                continue
            }
            if let h = fill.blockHash { hashes[fill.blockNumber] = h }
            let time: Int64
            if let t = logTime ?? times[fill.blockNumber] {
                time = t
            } else {
                guard let b = try await rpc.block(fill.blockNumber) else {
                    throw ChainRPCError.malformed("block \(fill.blockNumber) of a log is missing")
                }
                time = b.timestamp
                hashes[b.number] = hashes[b.number] ?? b.hash
            }
            times[fill.blockNumber] = time
            trades[fill.blockNumber, default: []].append(
                Trade(
                    transactionHash: fill.transactionHash, wallet: wallet, asset: fill.tokenId,
                    conditionId: market.conditionId, side: fill.side, size: fill.shares, price: price, timestamp: time,
                    outcome: market.outcome, outcomeIndex: market.outcomeIndex, title: market.question,
                    slug: market.slug, eventSlug: market.eventSlug, source: .chain))
        }
        return (hashes, trades)
    }
}

/// What the chain source has done, for health and `/metrics`.
public final class ChainFeedStats: Sendable {
    /// A snapshot of the counters.
    public struct Snapshot: Sendable, Equatable {
        /// The node's head at the last round (nil before the first).
        public var head: Int64?
        /// The last block whose trades are final (nil before the first range).
        public var processed: Int64?
        /// Final trades delivered.
        public var trades = 0
        /// Provisional trades seen on the subscription.
        public var provisional = 0
        /// Combo (V3) fills left out.
        public var combos = 0
        /// Logs that did not decode as a fill.
        public var rejected = 0
        /// Fills below the whale threshold on a token with no known market (left out).
        public var unknownSmall = 0
        /// Reorgs below finality, and the final trades they took back.
        public var reorgs = 0
        public var retracted = 0
        /// Ranges the node refused for their size.
        public var refusals = 0
        /// Failed rounds.
        public var errors = 0
        /// Subscription connections opened.
        public var connections = 0

        /// Blocks between the head and the last final block.
        public var lagBlocks: Int64? { head.flatMap { h in processed.map { max(0, h - $0) } } }
    }

    private let state = Mutex(Snapshot())

    /// Empty counters.
    public init() {}

    /// The counters now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    func record(_ change: (inout Snapshot) -> Void) { state.withLock { change(&$0) } }
}
