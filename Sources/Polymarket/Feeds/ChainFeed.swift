import Foundation
import Logging
import PolybotCore
import Synchronization

/// Whale trades from the chain: the V2 exchanges' `OrderFilled` logs on Polygon (feeds notes §6.2, venue §3.2).
///
/// - **Final trades** come from `eth_getLogs` over block ranges (at most `window` blocks, halved when the node refuses
///   a range for its size) up to `head − confirmations`, in block and log order. A range is delivered only whole:
///   a lookup that fails (node, Gamma) leaves it to the next round, and nothing is guessed — a whale-sized fill whose
///   token Gamma does not know stops the source there, loudly, until it does.
/// - **The live edge**: `eth_subscribe("newHeads")` and `("logs")` on the WebSocket wake the follower at once and
///   deliver ``FeedEvent/provisional(_:)`` trades (alerts only). Without a socket, or while it is down, the follower
///   polls `eth_blockNumber` every `pollInterval`; nothing is lost either way, because finality is read by range.
/// - **Progress** is saved per range (``ChainCheckpoints``); a restart resumes `restartRewind` blocks before the
///   checkpoint (trades taken but not yet stored when a process died come back; the store's natural key absorbs the
///   rest). A fresh database starts at the head seen at start-up.
/// - **Reorgs** below finality: the hash of the last final block is checked every round; when it changed, the fork
///   point is found among the remembered blocks, the replaced range is read again, and every final trade it no longer
///   holds is delivered as ``FeedEvent/retracted(_:)`` (a trade re-included elsewhere is kept).
public struct ChainFeed: MarketFeed {
    /// Follower settings.
    public struct Configuration: Sendable {
        /// `ws://` / `wss://` endpoint for the subscriptions (nil: poll only).
        public var webSocketURL: String?
        /// Exchanges whose `OrderFilled` logs are trades (V2 and neg-risk V2).
        public var exchanges: [String]
        /// Exchanges whose fills are combos (V3): recognised, counted and kept out.
        public var comboExchanges: [String]
        public var confirmations: Int64
        public var window: Int64
        public var pollInterval: Duration
        public var restartRewind: Int64
        public var stallTimeout: Duration

        /// Defaults: the Polygon V2 and neg-risk V2 exchanges, V3 as combos (venue §3.2), 500-block windows, a 2 s
        /// poll (Polygon's block time), 150 blocks (≈ 5 min) of rewind on restart.
        public init(
            webSocketURL: String?, confirmations: Int64,
            exchanges: [String] = ChainFeed.v2Exchanges, comboExchanges: [String] = [ChainFeed.v3Exchange],
            window: Int64 = 500, pollInterval: Duration = .seconds(2), restartRewind: Int64 = 150,
            stallTimeout: Duration = .seconds(60)
        ) {
            self.webSocketURL = webSocketURL
            self.confirmations = confirmations
            self.exchanges = exchanges.map { $0.lowercased() }
            self.comboExchanges = comboExchanges.map { $0.lowercased() }
            self.window = window
            self.pollInterval = pollInterval
            self.restartRewind = restartRewind
            self.stallTimeout = stallTimeout
        }
    }

    /// CTF Exchange V2 and Neg Risk CTF Exchange V2 on Polygon (venue §3.2).
    public static let v2Exchanges = [
        "0xe111180000d2663c0091e4f400237545b87b996b", "0xe2222d279d744050d28e00520010520000310f59",
    ]
    /// ExchangeV3 (combos) on Polygon (venue §3.2).
    public static let v3Exchange = "0xe3333700ca9d93003f00f0f71f8515005f6c00aa"

    public let configuration: Configuration
    let rpc: PolygonRPC
    let tokens: any TokenMarkets
    let reader: ChainRangeReader
    let checkpoints: (any ChainCheckpoints)?
    let minNotional: @Sendable () -> Micros
    let sleep: @Sendable (Duration) async throws -> Void
    let stats: ChainFeedStats
    let logger: Logger

    /// Creates a follower.
    ///
    /// - Parameters:
    ///   - rpc: the HTTP JSON-RPC (ranges, headers, the head).
    ///   - tokens: token → market (Gamma).
    ///   - checkpoints: where progress is kept (nil: none; every start is fresh).
    ///   - minNotional: the whale threshold: a fill at least this big whose market is unknown stops the source.
    ///   - sleep: how the follower waits between rounds (tests pass their own).
    public init(
        configuration: Configuration, rpc: PolygonRPC, tokens: any TokenMarkets,
        checkpoints: (any ChainCheckpoints)?, minNotional: @escaping @Sendable () -> Micros,
        stats: ChainFeedStats = ChainFeedStats(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        logger: Logger
    ) {
        self.configuration = configuration
        self.rpc = rpc
        self.tokens = tokens
        self.checkpoints = checkpoints
        self.minNotional = minNotional
        self.stats = stats
        reader = ChainRangeReader(
            rpc: rpc, tokens: tokens, exchanges: configuration.exchanges, comboExchanges: configuration.comboExchanges,
            stats: stats)
        self.sleep = sleep
        self.logger = logger
    }

    public func run(emit: @escaping @Sendable (FeedEvent) async -> Void) async {
        let shared = Shared()
        await withTaskGroup(of: Void.self) { group in
            if let url = configuration.webSocketURL {
                group.addTask { await self.subscribe(url: url, shared: shared, emit: emit) }
            }
            group.addTask { await self.follow(shared: shared, emit: emit) }
            // The follower ends only when cancelled; the socket with it.
            await group.next()
            group.cancelAll()
        }
    }

    /// What the socket and the follower share: a doorbell (a head, a removed log, a reconnect) and the last final block.
    final class Shared: Sendable {
        let processed = Atomic<Int64>(-1)
        private let bell = Mutex<(rung: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

        /// Wakes the follower now, or at its next wait.
        func ring() {
            let waiter = bell.withLock { b -> CheckedContinuation<Void, Never>? in
                guard let w = b.waiter else {
                    b.rung = true
                    return nil
                }
                b.waiter = nil
                return w
            }
            waiter?.resume()
        }

        /// Returns at the next ring (at once if one came since the last wait), or when the task is cancelled.
        func wait() async {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = bell.withLock { b -> Bool in
                        if b.rung || Task.isCancelled {
                            b.rung = false
                            return true
                        }
                        b.waiter = c
                        return false
                    }
                    if now { c.resume() }
                }
            } onCancel: {
                let waiter = bell.withLock { b -> CheckedContinuation<Void, Never>? in
                    defer { b.waiter = nil }
                    return b.waiter
                }
                waiter?.resume()
            }
        }
    }

    /// The finality loop: a round whenever the socket wakes it or `pollInterval` passes.
    private func follow(shared: Shared, emit: @Sendable (FeedEvent) async -> Void) async {
        var cursor: ChainCursor?
        var failures = 0
        while !Task.isCancelled {
            do {
                if cursor == nil { cursor = try await start(emit: emit) }
                if var c = cursor {
                    defer { cursor = c }
                    try await round(&c, emit: emit)
                    shared.processed.store(c.processed, ordering: .releasing)
                }
                failures = 0
            } catch {
                failures += 1
                stats.record { $0.errors += 1 }
                logger.warning("chain source round failed", metadata: ["chain.error": "\(error)"])
                if failures == 1 { await emit(.disconnected(reason: "chain rpc: \(error)")) }
            }
            // The next round: at the socket's ring, or after the poll interval (backing off to 30 s after failures).
            let limit =
                failures == 0 ? configuration.pollInterval : min(.seconds(30), configuration.pollInterval * failures)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await shared.wait() }
                group.addTask {
                    // A cancelled sleep ends the wait like a ring does; the loop then sees the cancellation.
                    do { try await self.sleep(limit) } catch {}
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Where to begin: the checkpoint less the rewind, or (fresh) the head seen now.
    private func start(emit: @Sendable (FeedEvent) async -> Void) async throws -> ChainCursor {
        let head = try await rpc.blockNumber()
        let saved = try await checkpoints?.load()
        let processed = saved.map { max(0, $0.block - configuration.restartRewind) } ?? max(0, head - 1)
        // A reorg below the checkpoint while the process was stopped: the rewind reads those blocks again, but rows
        // stored from the replaced blocks are not known here — the operator is told.
        if let saved, let now = try await rpc.block(saved.block), now.hash != saved.hash {
            stats.record { $0.reorgs += 1 }
            let text =
                "the chain was reorganised at or below block \(saved.block) while Polybot was stopped: trades stored from blocks before it may include orphans; compare with the chain"
            logger.critical("chain reorganised below the checkpoint", metadata: ["chain.block": "\(saved.block)"])
            await emit(.alarm(text))
        }
        guard let first = try await rpc.block(min(processed + 1, head)) else {
            throw ChainRPCError.malformed("block \(processed + 1) missing below the head \(head)")
        }
        logger.info(
            "chain source starts",
            metadata: [
                "chain.from_block": "\(processed + 1)", "chain.head": "\(head)",
                "chain.checkpoint": "\(saved.map { "\($0.block)" } ?? "none")",
            ])
        await emit(.coverage(.chain, since: first.timestamp))
        stats.record {
            $0.head = head
            $0.processed = processed
        }
        // Where it stands from the first second (the data-health card; tests wait on it before publishing).
        await emit(.chainProgress(block: processed, head: head, blockTime: first.timestamp))
        return ChainCursor(
            processed: processed, confirmations: configuration.confirmations, window: configuration.window)
    }

    /// One round: a reorg check, then every final range up to the head.
    private func round(_ cursor: inout ChainCursor, emit: @Sendable (FeedEvent) async -> Void) async throws {
        let head = try await rpc.blockNumber()
        stats.record { $0.head = head }
        try await checkFork(&cursor, head: head, emit: emit)
        var first = true
        while let range = cursor.nextRange(head: head) {
            // Ranges read in one round chain on: a reorg of the last committed block between two of them is found
            // before the next one is read (a reorg replaces a suffix, so it changes that block's hash).
            if !first { try await checkFork(&cursor, head: head, emit: emit) }
            first = false
            // The range's last header before and after its logs: a reorg in between would pair old logs with a new
            // hash (and its orphans would never be retracted), so the range is read again.
            guard let before = try await rpc.block(range.upperBound) else {
                throw ChainRPCError.malformed("block \(range.upperBound) missing below the head \(head)")
            }
            let logs: [ChainLog]
            do {
                logs = try await reader.logs(range)
            } catch {
                guard case .tooManyResults = error else { throw error }
                stats.record { $0.refusals += 1 }
                guard cursor.refused() else { throw error }
                continue
            }
            guard let end = try await rpc.block(range.upperBound) else {
                throw ChainRPCError.malformed("block \(range.upperBound) missing below the head \(head)")
            }
            guard end.hash == before.hash else { continue }
            var decoded = try await decode(logs, emit: emit)
            decoded.hashes[end.number] = end.hash
            let trades = decoded.ordered
            for t in trades { await emit(.trade(t, serverTimeMs: nil)) }
            cursor.commit(range, hashes: decoded.hashes, trades: decoded.trades)
            stats.record {
                $0.processed = range.upperBound
                $0.trades += trades.count
            }
            do { try await checkpoints?.save(ChainCheckpoint(block: range.upperBound, hash: end.hash)) } catch {
                // The cursor in memory is right; a restart rewinds past what was not saved.
                stats.record { $0.errors += 1 }
                logger.error(
                    "chain checkpoint not saved", metadata: ["chain.block": "\(range.upperBound)", "error": "\(error)"])
            }
            await emit(.chainProgress(block: range.upperBound, head: head, blockTime: end.timestamp))
        }
    }

    /// A range's logs as trades; logs that do not decode are reported.
    private func decode(
        _ logs: [ChainLog], emit: @Sendable (FeedEvent) async -> Void
    ) async throws
        -> ChainRangeReader.Decoded
    {
        let decoded = try await reader.decode(logs, minNotional: minNotional())
        for r in decoded.rejected { await emit(.decodeError(.invalidField("OrderFilled", r))) }
        return decoded
    }

    /// Compares the last final block's hash with the node's; on a change finds the fork among the remembered blocks,
    /// reads the replaced blocks again and delivers what they no longer hold as retracted, what they newly hold as final.
    private func checkFork(
        _ cursor: inout ChainCursor, head: Int64, emit: @Sendable (FeedEvent) async -> Void
    )
        async throws
    {
        let known = cursor.knownBlocksNewestFirst
        guard let newest = known.first, let hash = cursor.hashes[newest] else { return }
        guard let now = try await rpc.block(newest), now.hash != hash else { return }
        var fork = cursor.oldestRemembered
        var found = false
        for b in known.dropFirst() {
            guard let h = try await rpc.block(b) else { continue }
            if h.hash == cursor.hashes[b] {
                fork = b + 1
                found = true
                break
            }
        }
        if !found, known.count > 1 {
            // Deeper than the blocks remembered: what was stored before them cannot be checked here.
            await emit(
                .alarm(
                    "the chain reorganised deeper than the \(known.count) blocks the source remembers (from block \(fork) down): trades stored from older blocks may include orphans; compare with the chain"
                ))
        }
        // The end of the replaced blocks before and after reading them again: a second reorg in between would pair
        // old logs with a new hash; the next round then starts over.
        let before = try await rpc.block(cursor.processed)
        // The replaced blocks again, in windows (halved on a size refusal, as in a round).
        var decoded = ChainRangeReader.Decoded()
        var (from, window) = (fork, cursor.window)
        while from <= cursor.processed {
            let to = min(from + window - 1, cursor.processed)
            let logs: [ChainLog]
            do { logs = try await reader.logs(from...to) } catch {
                guard case .tooManyResults = error, window > 1 else { throw error }
                window /= 2
                continue
            }
            decoded.append(try await decode(logs, emit: emit))
            from = to + 1
        }
        guard let end = try await rpc.block(cursor.processed), let before, end.hash == before.hash else {
            logger.warning("chain reorganised again while re-reading; trying next round")
            return
        }
        decoded.hashes[end.number] = end.hash
        let (retracted, added) = cursor.replace(from: fork, hashes: decoded.hashes, trades: decoded.trades)
        stats.record {
            $0.reorgs += 1
            $0.retracted += retracted.count
        }
        logger.warning(
            "chain reorg below finality",
            metadata: [
                "chain.fork": "\(fork)", "chain.processed": "\(cursor.processed)",
                "chain.retracted": "\(retracted.count)", "chain.added": "\(added.count)",
            ])
        for t in retracted { await emit(.retracted(t)) }
        for t in added { await emit(.trade(t, serverTimeMs: nil)) }
    }
}
