import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim

/// From a whale trade frame arriving at the listener to the signed order leaving the executor (the POST starting,
/// with the intent already persisted), in live mode against the simulator on loopback with real signing, real HMAC
/// and a real database. Signals are sent one at a time (the three whale frames that complete a consensus, then a
/// pause), so the figure is the pipeline's latency, not queueing behind earlier signals.
enum LatencyBenchmark {
    static func run(signals: Int) async throws -> [BenchResult] {
        let whales = (1...3).map { Fixtures.address(0xC0 + $0) }
        let key = try PrivateKey(hex: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
        let start = Int64(Date().timeIntervalSince1970) - 3_600
        let exchange = SimExchange(trades: Scenario.consensus(signals: signals, wallets: whales, start: start))
        let logger = { () -> Logger in
            var l = Logger(label: "bench.latency")
            l.logLevel = .warning
            return l
        }()
        let samples: [Duration] = try await withSimulator(exchange) { base, ws in
            try await withTestDatabase { store, _ in
                let basket = try await store.baskets.create(Basket(name: "bench"))
                for w in whales {
                    try await store.whales.upsert(Whale(address: w))
                    try await store.baskets.upsertMember(basketId: basket.id, BasketMember(wallet: w))
                }
                let live = try await simulatorLiveTrading(base: base, key: key, logger: logger)
                var settings = testPipelineSettings(mode: .live, base: base, ws: ws)
                settings.orderPollEvery = .seconds(60)
                // Marks every 30 s as in production (the test default of 0.5 s would poll a book per open position meanwhile).
                settings.markEvery = .seconds(30)
                return try await withPipeline(settings: settings, store: store, base: base, live: live, logger: logger)
                { p in
                    while await p.listener.health().connections == 0 { try await Task.sleep(for: .milliseconds(10)) }
                    for i in 0..<signals {
                        await exchange.publishNext(whales.count)
                        let deadline = ContinuousClock.now + .seconds(5)
                        while p.probe.recorded().count <= i, ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(1))
                        }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    return p.probe.recorded()
                }
            }
        }
        let ms = milliseconds(samples)
        func pct(_ q: Double) -> Double { percentile(ms, q) }
        let note =
            "\(ms.count)/\(signals) signals; live mode vs polymarket-sim on loopback, intent persisted before the POST"
        return [
            BenchResult(
                name: "frame → signed order p50", value: pct(0.5), unit: "ms", target: nil,
                note: "no target of its own (the target is on p99); " + note, lowerIsBetter: true),
            BenchResult(
                name: "frame → signed order p99", value: pct(0.99), unit: "ms", target: 10, note: note,
                lowerIsBetter: true),
        ]
    }
}
