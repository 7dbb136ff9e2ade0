import Foundation
import Logging
import PolybotCore
import Polymarket
import Synchronization

/// Chain checkpoints in memory (a test's "database" across two runs of a chain source).
package actor MemoryCheckpoints: ChainCheckpoints {
    package private(set) var saved: ChainCheckpoint?
    package private(set) var saves = 0

    package init(_ start: ChainCheckpoint? = nil) { saved = start }

    package func load() async throws -> ChainCheckpoint? { saved }

    package func save(_ checkpoint: ChainCheckpoint) async throws {
        saved = checkpoint
        saves += 1
    }
}

/// What a chain source delivered, as a test reads it.
package final class ChainEvents: Sendable {
    private let events = Mutex<[FeedEvent]>([])

    package init() {}

    package func record(_ e: FeedEvent) { events.withLock { $0.append(e) } }

    /// Final trades in delivery order.
    package var trades: [Trade] {
        events.withLock { $0.compactMap { if case .trade(let t, _) = $0 { t } else { nil } } }
    }

    /// Whether the source has started (it knows where it begins).
    package var started: Bool {
        events.withLock { $0.contains { if case .coverage = $0 { true } else { false } } }
    }

    /// Trades taken back.
    package var retracted: [Trade] {
        events.withLock { $0.compactMap { if case .retracted(let t) = $0 { t } else { nil } } }
    }

    /// Provisional trades.
    package var provisional: Int {
        events.withLock { $0.filter { if case .provisional = $0 { true } else { false } }.count }
    }

    /// The final trades less the retracted ones, as a multiset of keys (a key twice means delivered twice).
    package var standing: [TradeKey: Int] {
        var out: [TradeKey: Int] = [:]
        for t in trades { out[t.key, default: 0] += 1 }
        for t in retracted {
            out[t.key, default: 0] -= 1
            if out[t.key] == 0 { out[t.key] = nil }
        }
        return out
    }
}

/// A chain source against the simulator at `base` / `ws` (`/rpc`, Gamma for token markets), delivering into `events`.
package func simulatorChainFeed(
    base: String, ws: String?, confirmations: Int64, checkpoints: (any ChainCheckpoints)?, transport: HTTPTransport,
    stats: ChainFeedStats = ChainFeedStats(), window: Int64 = 500, minNotional: Micros = .zero
) -> ChainFeed {
    ChainFeed(
        configuration: .init(
            webSocketURL: ws.map { $0 + "/rpc" }, confirmations: confirmations, window: window,
            pollInterval: .milliseconds(200), stallTimeout: .seconds(30)),
        rpc: PolygonRPC(url: base + "/rpc", transport: transport),
        tokens: GammaTokenDirectory(gamma: GammaClient(baseURL: base + "/gamma", transport: transport)),
        checkpoints: checkpoints, minNotional: { minNotional }, stats: stats, logger: Logger(label: "test.chain"))
}
