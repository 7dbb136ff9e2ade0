import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization

/// A WebSocket that stays connected: sends its subscriptions on every open, a text keepalive on a fixed
/// interval, drops a socket that stays silent past a stall timeout, and reconnects with jittered exponential
/// backoff until its task is cancelled. The RTDS, market-channel and user-channel feeds all run on it.
public struct ReconnectingWebSocket: Sendable {
    /// Socket settings.
    public struct Configuration: Sendable {
        public var url: String
        public var pingText: String
        public var pingInterval: Duration
        /// Silence (no frame of any kind) after which the socket is considered dead.
        public var stallTimeout: Duration
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        public var maxFrameSize: Int
        /// When false, only JSON frames (not `PONG` or empty text) count as signs of life: RTDS has been seen
        /// answering pings while no longer sending data.
        public var controlFramesKeepAlive: Bool

        /// Creates settings.
        public init(
            url: String, pingText: String = "PING", pingInterval: Duration, stallTimeout: Duration,
            initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60), maxFrameSize: Int = 1 << 22,
            controlFramesKeepAlive: Bool = true
        ) {
            self.url = url
            self.pingText = pingText
            self.pingInterval = pingInterval
            self.stallTimeout = stallTimeout
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxFrameSize = maxFrameSize
            self.controlFramesKeepAlive = controlFramesKeepAlive
        }
    }

    /// Callbacks of one socket's life.
    public struct Handlers: Sendable {
        /// Messages to send after every open (subscriptions).
        public var subscriptions: @Sendable () -> [String]
        /// The socket opened (attempt counts from 1).
        public var opened: @Sendable (Int) async -> Void
        /// A text frame arrived.
        public var text: @Sendable (String) async -> Void
        /// The stall watchdog fired after this many silent seconds.
        public var stalled: @Sendable (Int) async -> Void
        /// The socket closed; `wasOpen` is false when the connection never opened.
        public var closed: @Sendable (_ reason: String, _ wasOpen: Bool) async -> Void
        /// Messages to send on the open socket after its subscriptions (nil: none).
        public var outbox: SocketOutbox? = nil

        /// Creates handlers.
        public init(
            subscriptions: @escaping @Sendable () -> [String], opened: @escaping @Sendable (Int) async -> Void,
            text: @escaping @Sendable (String) async -> Void, stalled: @escaping @Sendable (Int) async -> Void,
            closed: @escaping @Sendable (String, Bool) async -> Void, outbox: SocketOutbox? = nil
        ) {
            self.subscriptions = subscriptions
            self.opened = opened
            self.text = text
            self.stalled = stalled
            self.closed = closed
            self.outbox = outbox
        }
    }

    public let configuration: Configuration
    private let logger: Logger

    /// Creates a socket.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// A JSON object or array (as opposed to `PONG`, `pong` or empty text).
    static func isData(_ text: String) -> Bool {
        guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            return false
        }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
    }

    private final class LastFrame: Sendable {
        let instant = Mutex<ContinuousClock.Instant>(.now)
        let opened = Mutex(false)
    }

    /// Runs until cancelled.
    public func run(_ handlers: Handlers) async {
        var attempt = 0
        var backoff = configuration.initialBackoff
        let settings = configuration
        while !Task.isCancelled {
            attempt += 1
            let thisAttempt = attempt
            let last = LastFrame()
            var reason = "closed"
            do {
                // A stalled server may never answer our close frame: don't wait the default 15 s for it.
                let config = WebSocketClientConfiguration(
                    maxFrameSize: settings.maxFrameSize, closeTimeout: .seconds(2))
                let close = try await WebSocketClient.connect(url: settings.url, configuration: config, logger: logger)
                {
                    inbound, outbound, _ in
                    last.opened.withLock { $0 = true }
                    last.instant.withLock { $0 = .now }
                    // Attached before the subscriptions are read: a change made after that read is queued here.
                    let later = handlers.outbox?.attach()
                    defer { handlers.outbox?.detach() }
                    for message in handlers.subscriptions() { try await outbound.write(.text(message)) }
                    await handlers.opened(thisAttempt)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        if let later {
                            group.addTask { for await message in later { try await outbound.write(.text(message)) } }
                        }
                        group.addTask {
                            while !Task.isCancelled {
                                try await Task.sleep(for: settings.pingInterval)
                                try await outbound.write(.text(settings.pingText))
                            }
                        }
                        group.addTask {
                            while !Task.isCancelled {
                                try await Task.sleep(for: .milliseconds(100))
                                let silent = ContinuousClock.now - last.instant.withLock { $0 }
                                if silent >= settings.stallTimeout {
                                    await handlers.stalled(Int(silent.components.seconds))
                                    try? await outbound.close(.goingAway, reason: "stalled")
                                    return
                                }
                            }
                        }
                        for try await message in inbound.messages(maxSize: settings.maxFrameSize) {
                            guard case .text(let text) = message else { continue }
                            if settings.controlFramesKeepAlive || Self.isData(text) {
                                last.instant.withLock { $0 = .now }
                            }
                            await handlers.text(text)
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
            let wasOpen = last.opened.withLock { $0 }
            if wasOpen { backoff = settings.initialBackoff }
            await handlers.closed(reason, wasOpen)
            let jittered = Duration.milliseconds(Int64(Double.random(in: 0.5...1.0) * backoff.seconds * 1000))
            logger.info(
                "websocket reconnecting",
                metadata: [
                    "ws.url": "\(settings.url)", "ws.reason": "\(reason)",
                    "ws.backoff_ms": "\(Int(jittered.seconds * 1000))",
                ])
            do { try await Task.sleep(for: jittered) } catch { break }
            backoff = min(settings.maxBackoff, backoff * 2)
        }
    }
}

/// Messages a feed sends on its open socket after the subscriptions (e.g. the market channel's dynamic
/// `"operation":"subscribe"`). A message sent while no socket is open is dropped: every open sends the
/// subscriptions again, which a caller builds from its current state, so nothing sent before an open is needed after.
public final class SocketOutbox: Sendable {
    private let current = Mutex<AsyncStream<String>.Continuation?>(nil)

    /// Creates an outbox.
    public init() {}

    /// Queues a message on the open socket; false when no socket is open.
    @discardableResult
    public func send(_ text: String) -> Bool {
        current.withLock { c in
            guard let c else { return false }
            if case .enqueued = c.yield(text) { return true }
            return false
        }
    }

    /// A new socket opened: later messages go to it.
    func attach() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        current.withLock { old in
            old?.finish()
            old = continuation
        }
        return stream
    }

    /// The socket closed.
    func detach() {
        current.withLock { c in
            c?.finish()
            c = nil
        }
    }
}
