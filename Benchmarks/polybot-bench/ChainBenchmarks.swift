import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim

/// The chain source's costs end to end on loopback: a backfill of `count` `OrderFilled` logs from the simulator's
/// `eth_getLogs` through the store, and the time from a block being mined to its whale trade stored by the pipeline.
enum ChainBenchmarks {
    /// `count` generated trades, ten a second of market time (twenty logs a block; the chain carries about fifty fills
    /// a second at peak).
    static func trades(_ count: Int) -> [Trade] {
        var out: [Trade] = []
        out.reserveCapacity(count)
        TradeHistoryGenerator(options: .init(trades: count, wallets: max(1, count / 20), seed: 11)).generate {
            out.append($0)
        }
        for i in out.indices { out[i].timestamp = 1_760_000_000 + Int64(i / 10) }
        return out
    }

    static var logger: Logger {
        var l = Logger(label: "bench.chain")
        l.logLevel = .warning
        return l
    }

    /// `polybot backfill --chain`'s walk over every block of `count` logs, twice on one simulator: as the command runs
    /// by default (whale-sized fills stored, `POLYBOT_WHALE_MIN_NOTIONAL`), and with every fill stored.
    static func backfill(count: Int) async throws -> [BenchResult] {
        let exchange = SimExchange(trades: trades(count))
        await exchange.publishNext(exchange.history.count)
        let head = await exchange.chainHead
        let whaleMin = try AppConfiguration(source: ConfigurationSource(environment: [:])).whaleMinNotional
        let (whales, every) = try await withSimulator(exchange) { base, _ in
            let transport = HTTPTransport(timeout: .seconds(60), logger: logger)
            defer { Task { try? await transport.shutdown() } }
            let reader = ChainRangeReader(
                rpc: PolygonRPC(url: base + "/rpc", transport: transport),
                tokens: GammaTokenDirectory(gamma: GammaClient(baseURL: base + "/gamma", transport: transport)))
            func run(_ minNotional: Micros) async throws -> ChainBackfillCommand.Summary {
                try await withTestDatabase { store, _ in
                    try await ChainBackfillCommand.backfill(
                        store: store, reader: reader, from: 65_000_000, to: head, confirmations: 0,
                        minNotional: minNotional
                    ) { _ in }
                }
            }
            return (try await run(whaleMin), try await run(.zero))
        }
        func times(_ s: ChainBackfillCommand.Summary) -> String {
            String(
                format:
                    "%.1f s: reading %.1f s (waiting on the read-ahead), decoding %.1f s, waiting for the store %.1f s",
                s.seconds, s.readSeconds, s.decodeSeconds, s.storeWaitSeconds)
        }
        let common =
            "\(whales.windows) windows of 500 blocks (20 logs a block) from polymarket-sim on loopback (which builds the JSON on the same 2 cores), the next window read while one is decoded, market lookup cached"
        return [
            BenchResult(
                name: "chain backfill, \(whales.logs) OrderFilled logs via eth_getLogs into the store",
                value:
                    Double(whales.trades) / whales.seconds,
                unit: "trades/s", target: 50_000,
                note:
                    "fills read, decoded and filtered a second as `polybot backfill --chain` runs by default: whale-sized fills (≥ $\(whaleMin), POLYBOT_WHALE_MIN_NOTIONAL) stored, \(whales.stored) rows; \(common); \(times(whales))"
            ),
            BenchResult(
                name: "chain backfill storing every fill, \(every.logs) logs",
                value: Double(every.stored) / every.seconds,
                unit: "trades/s", target: nil,
                note:
                    "no target of its own (the insert's is issue 32's 100,000 rows/s): --min-notional 0, \(every.stored) rows stored; \(common); \(times(every)); the simulator's JSON, the decoding and PostgreSQL's insert share the same 2 cores"
            ),
        ]
    }

    /// A whale trade published (its block mined) → the pipeline's chain source reads it (WebSocket wake-up,
    /// `eth_getLogs`, no confirmations) → the row is stored: one at a time, `samples` times.
    static func blockToStored(samples: Int) async throws -> [BenchResult] {
        let whales = (1...3).map { Fixtures.address(0xB0 + $0) }
        let start = Int64(Date().timeIntervalSince1970) - 3_600
        let exchange = SimExchange(trades: Scenario.consensus(signals: samples / 3 + 1, wallets: whales, start: start))
        let durations: [Duration] = try await withSimulator(exchange) { base, ws in
            try await withTestDatabase { store, _ in
                let settings = chainPipelineSettings(base: base, ws: ws)
                return try await withPipeline(settings: settings, store: store, base: base, logger: logger) { p in
                    let events = p.events.subscribe(buffer: 10_000)
                    var iterator = events.makeAsyncIterator()
                    while await exchange.rpcSubscribers == 0 {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    while await p.listener.sourceHealth().1 == nil { try await Task.sleep(for: .milliseconds(10)) }
                    var out: [Duration] = []
                    for _ in 0..<samples {
                        // Paced like blocks (not part of the figure): a round is five RPC calls, and the client keeps
                        // under the RPC's 25 requests a second, which back-to-back samples would measure instead.
                        try await Task.sleep(for: .milliseconds(250))
                        let mined = ContinuousClock.now
                        guard await exchange.publishNext(1) == 1 else { break }
                        while let e = await iterator.next() {
                            if case .whaleTrade = e { break }
                        }
                        out.append(ContinuousClock.now - mined)
                    }
                    return out
                }
            }
        }
        let ms = milliseconds(durations)
        func pct(_ q: Double) -> Double { percentile(ms, q) }
        let note =
            "\(ms.count) whale trades one at a time, 250 ms apart; paper pipeline vs polymarket-sim on loopback, chain source with 0 confirmations (a real node adds 2 s a confirmation)"
        return [
            BenchResult(
                name: "block → stored whale trade p50", value: pct(0.5), unit: "ms", target: nil,
                note: "no target of its own; " + note, lowerIsBetter: true),
            BenchResult(
                name: "block → stored whale trade p99", value: pct(0.99), unit: "ms", target: nil, note: note,
                lowerIsBetter: true),
        ]
    }
}
