import Foundation
import Hummingbird
import Logging
import PolybotCore
import Polymarket
import PolymarketSim
import ServiceLifecycle
import Synchronization
import Testing

/// Runs the simulator in-process on 127.0.0.1 (manual replay) for `body`.
package func withSimulator<T: Sendable>(
    _ exchange: SimExchange, _ body: @Sendable (_ base: String, _ ws: String) async throws -> T
) async throws -> T {
    let logger = Logger(label: "test.sim")
    let port = Mutex<Int?>(nil)
    let app = SimServer.application(exchange: exchange, host: "127.0.0.1", port: 0, logger: logger) { p in
        port.withLock { $0 = p }
    }
    let replay = SimReplayService(exchange: exchange, speed: .manual, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        group.addTask { try await replay.run() }
        defer { group.cancelAll() }
        let p = try #require(try await boundPort { port.withLock { $0 } })
        return try await body("http://127.0.0.1:\(p)", "ws://127.0.0.1:\(p)")
    }
}

package func generated(_ n: Int, seed: UInt64 = 5) -> [Trade] {
    var out: [Trade] = []
    TradeHistoryGenerator(options: .init(trades: n, wallets: max(1, n / 10), markets: 10, seed: seed)).generate {
        out.append($0)
    }
    return out
}

/// A token of the venue with a two-sided book: (token, best ask, tick, neg risk).
package func tradableToken(
    _ exchange: SimExchange
) async throws -> (token: String, ask: Micros, tick: TickSize, negRisk: Bool) {
    for t in exchange.history.reversed() {
        if let b = await exchange.book(token: t.asset), let ask = b.bestAsk, b.bestBid != nil,
            let m = await exchange.market(token: t.asset)
        {
            return (t.asset, ask, m.tickSize, m.negRisk)
        }
    }
    throw CancellationError()
}
