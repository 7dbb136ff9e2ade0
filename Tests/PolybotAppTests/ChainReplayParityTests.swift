import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 30: the chain as the one trade source gives the signals the feeds gave. A recorded file's trades go onto the
/// simulator's chain, are read back over loopback JSON-RPC (one `eth_getLogs` over the whole history, Gamma for the
/// markets) and decoded as the chain source decodes them; the same pipeline (`polybot replay`: market time,
/// deterministic) then runs on the recorded file — what RTDS and the Data API deliver — and on the chain's trades,
/// which carry their block's time (the simulator's 2 s blocks) and a price computed from the amounts, not the file's.
/// The decodable rows of a file in `../shared/data`, as recorded (repeats included).
func recordedTrades(_ file: String) throws -> [Trade] {
    try TradeFileReader().read(path: SharedData.path(file)).compactMap {
        if case .success(let t) = $0.result { t } else { nil }
    }
}

enum ChainParity {
    /// A file's trades as the chain source reads them from the simulator.
    static func fromTheChain(_ trades: [Trade]) async throws -> [Trade] {
        let exchange = SimExchange(trades: trades)
        return try await withSimulator(exchange) { base, _ in
            while await exchange.publishNext(500) > 0 {}
            await exchange.mine(blocks: 1)
            let transport = HTTPTransport(logger: Logger(label: "test.parity"))
            defer { Task { try? await transport.shutdown() } }
            let reader = ChainRangeReader(
                rpc: PolygonRPC(url: base + "/rpc", transport: transport),
                tokens: GammaTokenDirectory(gamma: GammaClient(baseURL: base + "/gamma", transport: transport)))
            let head = await exchange.chainHead
            let decoded = try await reader.decode(try await reader.logs(0...head), minNotional: .zero)
            #expect(decoded.rejected.isEmpty, "\(decoded.rejected.prefix(3))")
            return decoded.ordered
        }
    }

    static func replay(_ path: String, markets: String) async throws -> ReplayCommand.Report {
        let config = try AppConfiguration(
            source: ConfigurationSource(
                environment: [
                    "POLYBOT_SIZING_MODE": "fixed", "POLYBOT_FIXED_ORDER_USDC": "50",
                    "POLYBOT_CONSENSUS_MIN_RATIO": "0.6", "POLYBOT_CONSENSUS_MIN_UPSIDE": "0.01",
                ], file: nil))
        let options = try ReplayCommand.options(
            trades: path, markets: SharedData.path(markets), speed: "max", wallets: [],
            basketSize: 40, minMembers: 2, minNotional: "100", timeZone: "UTC")
        let logger = {
            var l = Logger(label: "test.parity")
            l.logLevel = .warning
            return l
        }()
        return try await withThrowawayCluster {
            try await ReplayCommand.run(config: config, options: options, logger: logger)
        }
    }

    /// Runs the comparison on a recorded file and its resolutions; returns the number of signals compared.
    @discardableResult
    static func compare(trades: String, markets: String) async throws -> Int {
        let file = SharedData.path(trades)
        let recorded = try recordedTrades(trades)
        let chain = try await fromTheChain(recorded)
        // Every trade once, with the file's wallet, token, side, size and price; the time is its block's (a row the
        // file has out of time order lands in the next open block, later).
        let unique = Dictionary(recorded.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(chain.count == unique.count && Set(chain.map(\.key)) == Set(unique.keys))
        var later = 0
        for t in chain {
            let r = try #require(unique[t.key])
            #expect(t.price == r.price && t.conditionId == r.conditionId && t.eventSlug == r.eventSlug)
            #expect(r.timestamp - t.timestamp < 2, "never before its 2 s block")
            if t.timestamp > r.timestamp { later += 1 }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "chain-parity-\(UUID().uuidString.prefix(8)).csv"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let csv = ([TradeFileWriter.csvHeader] + chain.map(TradeFileWriter.csvRow)).joined(separator: "\n") + "\n"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)

        let feed = try await replay(file, markets: markets)
        let onChain = try await replay(path, markets: markets)
        #expect(feed.trades == onChain.trades && feed.basket == onChain.basket)
        func identity(_ r: ReplayCommand.Report) -> [String] {
            r.signals.map { "\($0.market) \($0.outcome) \($0.clusters) \($0.status) \($0.reason)" }
        }
        #expect(!feed.signals.isEmpty)
        #expect(identity(feed) == identity(onChain), "feed \(identity(feed))\nchain \(identity(onChain))")
        print(
            "chain parity: \(trades): \(chain.count) trades from the chain (\(later) in a later block than the file's "
                + "time), \(feed.signals.count) signals from the file, \(onChain.signals.count) from the chain, "
                + "the same: \(identity(feed) == identity(onChain))")
        return feed.signals.count
    }
}

/// The Nobel day (one signal at these settings; `make soak` runs the midterms' 27,631 trades and 85 signals).
@Suite("The Nobel day from the chain gives the feeds' signals", .tags(.spawnsProcesses))
struct ChainReplayParityTests {
    @Test(.enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
    func theChainsTradesGiveTheSignalsOfTheRecordedFeed() async throws {
        try await ChainParity.compare(
            trades: "nobel2025_trades.data-api.csv", markets: "nobel2025_resolutions.derived.csv")
    }
}

/// The 2022 midterms (about four minutes: two replays of 27,631 trades at a $100 threshold): `make soak`.
@Suite(
    "The midterms from the chain give the feeds' signals", .tags(.spawnsProcesses),
    .enabled(if: ProcessInfo.processInfo.environment["POLYBOT_SOAK"] != nil, "run by `make soak` (POLYBOT_SOAK=1)"))
struct ChainParitySoakTests {
    @Test(.enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
    func theMidtermsFromTheChainGiveTheSignalsOfTheRecordedFeed() async throws {
        #expect(
            try await ChainParity.compare(
                trades: "midterms2022_trades.data-api.csv", markets: "midterms2022_resolutions.csv")
                > 10)
    }
}
