import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import PolybotCore
import Synchronization

/// What the RTDS feed reports to the trade listener.
public enum FeedEvent: Sendable, Equatable {
    /// A socket is open and subscribed (attempt counts reconnects since start).
    case connected(attempt: Int)
    /// A decoded activity trade.
    case trade(Trade, serverTimeMs: Int64?)
    /// A frame that could not be decoded (counted; the feed carries on).
    case decodeError(FeedDecodeError)
    /// The socket closed or failed; a reconnect follows.
    case disconnected(reason: String)
    /// No frame for the stall timeout on an open socket; the socket is dropped and reopened.
    case stalled(silentSeconds: Int)
    /// Frames may have been missed between these Unix seconds (last frame before the outage → reconnect);
    /// the listener backfills this range from the Data API.
    case gap(from: Int64, to: Int64)
}

/// The RTDS `activity` firehose with the liveness rules of feeds notes §1.5–1.6: text `PING` every 5 s, a data
/// watchdog that treats a silent open socket as dead, reconnect with jittered exponential backoff, resubscribe on
/// every connection, and a ``FeedEvent/gap(from:to:)`` for every outage.
public struct RTDSFeed: Sendable {
    /// Feed settings.
    public struct Configuration: Sendable {
        public var url: String
        public var pingInterval: Duration
        /// Silence (no frame of any kind, PONG included) after which the socket is considered dead.
        public var stallTimeout: Duration
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        /// Maximum frame size accepted.
        public var maxFrameSize: Int

        /// Defaults from the official clients: ping 5 s, stall 30 s, backoff 1 s doubling to 60 s.
        public init(url: String, pingInterval: Duration = .seconds(5), stallTimeout: Duration = .seconds(30),
                    initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60), maxFrameSize: Int = 1 << 20) {
            self.url = url
            self.pingInterval = pingInterval
            self.stallTimeout = stallTimeout
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxFrameSize = maxFrameSize
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    /// How far before the last trade seen a gap's backfill starts.
    public static let gapMarginSeconds: Int64 = 60
    private let now: @Sendable () -> Int64

    /// Creates a feed.
    public init(configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    /// Shared between the reader, the keepalive and the watchdog of one feed.
    private final class State: Sendable {
        let lastFrame = Mutex<ContinuousClock.Instant?>(nil)
        let lastDataSecond = Mutex<Int64?>(nil)
        let opened = Mutex(false)
    }

    /// Connects and keeps reconnecting until the task is cancelled, reporting through `emit`.
    public func run(emit: @escaping @Sendable (FeedEvent) async -> Void) async {
        let state = State()
        var attempt = 0
        var backoff = configuration.initialBackoff
        while !Task.isCancelled {
            attempt += 1
            let thisAttempt = attempt
            state.opened.withLock { $0 = false }
            var reason = "closed"
            do {
                // A stalled server may never answer our close frame: don't wait the default 15 s for it.
                let config = WebSocketClientConfiguration(maxFrameSize: configuration.maxFrameSize, closeTimeout: .seconds(2))
                let settings = configuration
                let clock = now
                let close = try await WebSocketClient.connect(url: configuration.url, configuration: config, logger: logger) {
                    inbound, outbound, _ in
                    state.opened.withLock { $0 = true }
                    try await outbound.write(.text(RTDSDecoder.subscribeActivity))
                    state.lastFrame.withLock { $0 = .now }
                    await emit(.connected(attempt: thisAttempt))
                    let connectedAt = clock()
                    if let covered = state.lastDataSecond.withLock({ $0 }) {
                        // Trades reach the socket ~2 s after their block time; back the gap off by a margin and let
                        // the natural-key dedupe absorb the overlap.
                        await emit(.gap(from: min(covered, connectedAt) - RTDSFeed.gapMarginSeconds, to: connectedAt))
                    }
                    state.lastDataSecond.withLock { $0 = max($0 ?? 0, connectedAt) }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        // Keepalive.
                        group.addTask {
                            while !Task.isCancelled {
                                try await Task.sleep(for: settings.pingInterval)
                                try await outbound.write(.text("PING"))
                            }
                        }
                        // Watchdog: a silent open socket is dead; closing it ends the reader below.
                        group.addTask {
                            while !Task.isCancelled {
                                try await Task.sleep(for: .milliseconds(250))
                                let silent = state.lastFrame.withLock { $0 }.map { ContinuousClock.now - $0 } ?? .zero
                                if silent >= settings.stallTimeout {
                                    await emit(.stalled(silentSeconds: Int(silent.components.seconds)))
                                    try? await outbound.close(.goingAway, reason: "stalled")
                                    return
                                }
                            }
                        }
                        // Reader.
                        for try await message in inbound.messages(maxSize: settings.maxFrameSize) {
                            state.lastFrame.withLock { $0 = .now }
                            guard case .text(let text) = message else { continue }
                            var bytes = Array(text.utf8)
                            do throws(FeedDecodeError) {
                                for m in try RTDSDecoder.decode(bytes: &bytes) {
                                    if case .trade(let trade, _, let serverMs) = m {
                                        state.lastDataSecond.withLock { $0 = max($0 ?? 0, trade.timestamp) }
                                        await emit(.trade(trade, serverTimeMs: serverMs))
                                    }
                                }
                            } catch {
                                await emit(.decodeError(error))
                            }
                        }
                        group.cancelAll()
                    }
                }
                reason = close.map { "closed by server (\($0.closeCode))" } ?? "closed"
            } catch is CancellationError {
                break
            } catch {
                reason = String(describing: error)
            }
            if Task.isCancelled { break }
            // A session that actually opened remembers "now" as the last moment covered, so the gap starts there
            // even when no trade had arrived yet.
            if state.opened.withLock({ $0 }) { backoff = configuration.initialBackoff }
            await emit(.disconnected(reason: reason))
            let jittered = Duration.milliseconds(Int64(Double.random(in: 0.5...1.0) * backoff.seconds * 1000))
            logger.info("rtds reconnecting", metadata: ["feed.reason": "\(reason)", "feed.backoff_ms": "\(Int(jittered.seconds * 1000))"])
            do { try await Task.sleep(for: jittered) } catch { break }
            backoff = min(configuration.maxBackoff, backoff * 2)
        }
    }
}
