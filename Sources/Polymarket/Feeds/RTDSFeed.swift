import Foundation
import Logging
import PolybotCore
import Synchronization

/// What a trade feed (RTDS, the chain, a replay) reports to the trade listener.
public enum FeedEvent: Sendable, Equatable {
    /// A socket is open and subscribed (attempt counts connections since start).
    case connected(attempt: Int)
    /// A decoded activity trade.
    case trade(Trade, serverTimeMs: Int64?)
    /// A frame that could not be decoded (counted; the feed carries on).
    case decodeError(FeedDecodeError)
    /// The socket closed or failed; a reconnect follows.
    case disconnected(reason: String)
    /// No frame for the stall timeout on an open socket; the socket is dropped and reopened.
    case stalled(silentSeconds: Int)
    /// Frames may have been missed after an outage: `to` is the newest trade time seen before it and `from` the same
    /// less ``RTDSFeed/gapMarginSeconds`` (Unix seconds, market time — never the local clock, so a replayed history
    /// backfills correctly). The listener backfills everything from `from` onwards.
    case gap(from: Int64, to: Int64)
    /// A trade the chain has shown but not yet confirmed: usable for alerts, never for money (it may be taken back).
    case provisional(Trade)
    /// A trade delivered as final that a reorg took back: it must leave the books and every window it fed.
    case retracted(Trade)
    /// The source sees every trade from this time on (Unix seconds, market time): a trade older than that is not
    /// expected from it.
    case coverage(TradeSource, since: Int64)
    /// Something the operator must hear about that no trade carries (e.g. a reorg below the chain's checkpoint while
    /// stopped).
    case alarm(String)
    /// The chain source delivered every final trade up to `block` (whose time is `blockTime`); the node's head is `head`.
    case chainProgress(block: Int64, head: Int64, blockTime: Int64)
}

/// The RTDS `activity` firehose with the liveness rules of feeds notes §1.5–1.6: text `PING` every 5 s, a watchdog
/// that treats a silent open socket as dead, reconnect with jittered backoff, resubscribe on every connection, and a
/// ``FeedEvent/gap(from:to:)`` after every outage.
public struct RTDSFeed: Sendable {
    /// Feed settings.
    public struct Configuration: Sendable {
        public var url: String
        public var pingInterval: Duration
        public var stallTimeout: Duration
        public var initialBackoff: Duration
        public var maxBackoff: Duration

        /// Defaults from the official clients: ping 5 s, stall 30 s, backoff 1 s doubling to 60 s.
        public init(
            url: String, pingInterval: Duration = .seconds(5), stallTimeout: Duration = .seconds(30),
            initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60)
        ) {
            self.url = url
            self.pingInterval = pingInterval
            self.stallTimeout = stallTimeout
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }
    }

    /// How far before the last trade seen a gap's backfill starts: trades reach the socket ~2 s after their block
    /// time, so the gap is backed off and the natural-key dedupe absorbs the overlap.
    public static let gapMarginSeconds: Int64 = 60

    public let configuration: Configuration
    private let logger: Logger
    /// Market time now (Unix seconds): the subscription covers every trade from the moment it is open.
    private let now: (@Sendable () -> Int64)?

    /// Creates a feed. With `now`, the first open subscription reports ``FeedEvent/coverage(_:since:)`` from that
    /// time: a silent `activity` topic (the venue no longer supports it) is then seen missing trades the other sources
    /// deliver, not only by the stall watchdog.
    public init(configuration: Configuration, now: (@Sendable () -> Int64)? = nil, logger: Logger) {
        self.configuration = configuration
        self.now = now
        self.logger = logger
    }

    private final class Coverage: Sendable {
        /// The newest trade time seen (market time). Before the first trade there is nothing to cover: the listener's
        /// start-up backfill and periodic sweep cover that.
        let until = Mutex<Int64?>(nil)
    }

    /// Connects and keeps reconnecting until the task is cancelled, reporting through `emit`.
    public func run(emit: @escaping @Sendable (FeedEvent) async -> Void) async {
        let coverage = Coverage()
        let socket = ReconnectingWebSocket(
            configuration: .init(
                url: configuration.url, pingText: "PING", pingInterval: configuration.pingInterval,
                stallTimeout: configuration.stallTimeout, initialBackoff: configuration.initialBackoff,
                maxBackoff: configuration.maxBackoff, controlFramesKeepAlive: false),
            logger: logger)
        await socket.run(
            .init(
                subscriptions: { [RTDSDecoder.subscribeActivity] },
                opened: { attempt in
                    await emit(.connected(attempt: attempt))
                    if attempt == 1, let now { await emit(.coverage(.rtds, since: now())) }
                    if attempt > 1, let covered = coverage.until.withLock({ $0 }) {
                        await emit(.gap(from: covered - RTDSFeed.gapMarginSeconds, to: covered))
                    }
                },
                text: { text in
                    var bytes = Array(text.utf8)
                    do throws(FeedDecodeError) {
                        for m in try RTDSDecoder.decode(bytes: &bytes) {
                            if case .trade(let trade, _, let serverMs) = m {
                                coverage.until.withLock { $0 = max($0 ?? 0, trade.timestamp) }
                                await emit(.trade(trade, serverTimeMs: serverMs))
                            }
                        }
                    } catch {
                        await emit(.decodeError(error))
                    }
                },
                stalled: { seconds in await emit(.stalled(silentSeconds: seconds)) },
                closed: { reason, _ in await emit(.disconnected(reason: reason)) }))
    }
}
