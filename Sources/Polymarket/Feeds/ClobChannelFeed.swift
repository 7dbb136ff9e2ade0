import Foundation
import Logging
import PolybotCore

/// The CLOB market channel for a set of tokens: books and price changes, `PING` every 10 s (feeds notes §2.1).
/// After a reconnect the first `book` of each token replaces whatever the consumer had.
public struct MarketChannelFeed: Sendable {
    public let url: String
    public let assetIds: @Sendable () -> [String]
    private let logger: Logger
    private let stallTimeout: Duration
    private let outbox: SocketOutbox?

    /// Creates a feed; `assetIds` is read on every (re)connection, and `outbox` carries changes to the set
    /// (``MarketChannelDecoder/change(assetIds:subscribe:)``) while a connection is open.
    public init(
        url: String, assetIds: @escaping @Sendable () -> [String], stallTimeout: Duration = .seconds(30),
        outbox: SocketOutbox? = nil, logger: Logger
    ) {
        self.url = url.hasSuffix("/market") ? url : url + "/market"
        self.assetIds = assetIds
        self.stallTimeout = stallTimeout
        self.outbox = outbox
        self.logger = logger
    }

    /// Runs until cancelled; decode failures are reported as `.failure`.
    public func run(emit: @escaping @Sendable (Result<MarketChannelEvent, FeedDecodeError>) async -> Void) async {
        let ids = assetIds
        await ReconnectingWebSocket(
            configuration: .init(url: url, pingInterval: .seconds(10), stallTimeout: stallTimeout), logger: logger
        ).run(
            .init(
                subscriptions: { [MarketChannelDecoder.subscribe(assetIds: ids())] },
                opened: { _ in },
                text: { text in
                    do throws(FeedDecodeError) {
                        for e in try MarketChannelDecoder.decode(text) { await emit(.success(e)) }
                    } catch {
                        await emit(.failure(error))
                    }
                },
                stalled: { _ in }, closed: { _, _ in }, outbox: outbox))
    }
}

/// The CLOB user channel: our orders and trades, authenticated with the API credentials.
public struct UserChannelFeed: Sendable {
    public let url: String
    private let credentials: ApiCredentials
    private let markets: @Sendable () -> [String]
    private let logger: Logger

    /// Creates a feed; `markets` (condition ids, empty = all) is read on every (re)connection.
    public init(
        url: String, credentials: ApiCredentials, markets: @escaping @Sendable () -> [String] = { [] }, logger: Logger
    ) {
        self.url = url.hasSuffix("/user") ? url : url + "/user"
        self.credentials = credentials
        self.markets = markets
        self.logger = logger
    }

    /// Runs until cancelled. `connected` fires on every (re)connection so the caller can poll REST for what it missed.
    public func run(
        connected: @escaping @Sendable (Int) async -> Void,
        emit: @escaping @Sendable (Result<UserChannelEvent, FeedDecodeError>) async -> Void
    ) async {
        let creds = credentials
        let markets = markets
        // The user channel is quiet when we have no orders: no stall watchdog beyond a long one.
        await ReconnectingWebSocket(
            configuration: .init(url: url, pingInterval: .seconds(10), stallTimeout: .seconds(120)), logger: logger
        ).run(
            .init(
                subscriptions: { [UserChannelDecoder.subscribe(credentials: creds, markets: markets())] },
                opened: connected,
                text: { text in
                    do throws(FeedDecodeError) {
                        for e in try UserChannelDecoder.decode(text) { await emit(.success(e)) }
                    } catch {
                        await emit(.failure(error))
                    }
                },
                stalled: { _ in }, closed: { _, _ in }))
    }
}
