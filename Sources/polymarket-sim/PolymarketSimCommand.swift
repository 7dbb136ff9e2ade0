import ArgumentParser
import Foundation
import Logging
import PolybotCore
import Polymarket
import PolymarketSim
import ServiceLifecycle
import UnixSignals

/// `polymarket-sim`: the local Polymarket stand-in.
@main
struct PolymarketSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polymarket-sim",
        abstract: "A local Polymarket for tests, benchmarks and rehearsals (a dry-run venue).",
        discussion: """
            `polymarket-sim serve` (the default) replays a trade history on 127.0.0.1 and speaks the real protocols on one \
            port: Data API at /data-api, Gamma at /gamma, CLOB REST at /clob (L2 HMAC and CLOB V2 EIP-712 signatures are \
            verified), RTDS at ws://…/ws, CLOB channels at ws://…/clob-ws/market and /clob-ws/user, Polygon RPC at /rpc, \
            control at /_sim (faults, manual publishing, status). `polymarket-sim generate` writes synthetic histories.
            """,
        subcommands: [Serve.self, Generate.self], defaultSubcommand: Serve.self)
}

/// `polymarket-sim serve`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the simulated venue, replaying a trade history.",
        discussion: """
            Faults (--fault, repeatable; also POST /_sim/faults with a JSON object at run time):
              drop=S          close every WebSocket every S seconds (clients must reconnect and resubscribe)
              stall=S         keep sockets open but send nothing for S seconds from start (frames in between are lost)
              429=N           answer the next N REST requests with 429 and Retry-After (retry-after=S, default 1)
              429rate=P       answer each REST request with 429 with probability P (0-1)
              5xx=R           answer REST requests with 503 with probability R (0–1)
              latency=MS      add MS milliseconds to every REST response
              timeout-fill=N  accept and execute the next N POST /order, then hold the response (hold=S, default 30)
              order-delay=MS  hold every POST /order MS milliseconds before processing it (an order still in flight)
              pong=TEXT       RTDS answer to PING (default PONG; pong= for the empty string)
              restart=S       matching-engine restart: HTTP 425 on order endpoints for S seconds, then post-only mode
              post-only=S     length of that post-only window (default 120; only postOnly orders and cancels pass)
              cancel-only=S   cancel-only mode for S seconds from now: every new order answers 503, cancels work
              require-heartbeats=1  arm the heartbeat dead-man switch (10 s) with a key's first resting order
              delay-matching=1      accept orders as `delayed` and leave them unmatched until a later trade
              signer-rate=R   per-signer order and cancel buckets refilling R tokens/s (0 = off), 429 + Poly-RateLimit-*
              signer-burst=B  their capacity (default 60); a request costing more is refused without Retry-After
              no-hashes=1     order answers carry tradeIDs and no transactionsHashes
              geoblock=X      /api/geoblock says blocked (X=blocked), or the account is close-only (X=close-only)
              no-data-v2=1    the Data API has no /v2 (404), as before v2 shipped
              combo-every=N   every N-th /v2/trades row of a page is followed by a combo (parlay) row
              rtds-activity=off     RTDS activity says nothing (the venue since 2026-01-16); the socket lives
              reorg=DEPTH:EVERY     every EVERY blocks the last DEPTH are replaced (an orphaned fill vanishes, the other
                                    logs are re-sent with removed: true and again in the new blocks)
              rpc-drop=S      close every /rpc WebSocket every S seconds
              rpc-getlogs-limit=N   eth_getLogs refuses ranges of more than N logs (error -32005)
              data-api-lag=S  a trade stays off the Data API trades routes for S seconds after it is published

            The chain: every trade settles as a V2 OrderFilled log on /rpc (HTTP and WebSocket: eth_blockNumber, \
            eth_getBlockByNumber, eth_getLogs, eth_subscribe newHeads / logs), in blocks every 2 s of market time; \
            POST /_sim/publish mines what it publishes, POST /_sim/mine?blocks=N mines empty blocks.

            Funder wallets (signature types 1-3, session keys, counterfactual deposit wallets): POST /_sim/wallets with \
            {"address", "type", "owner", "sessionKeys": [...], "deployed": true|false}.

            Every new API key (POST /clob/auth/api-key) is credited with --starting-balance pUSD.
            """)

    @Option(help: "Trade file to replay: Data API CSV with header, or JSONL.") var replay: String?
    @Option(
        help:
            "Market resolutions CSV (layout of nobel2025_resolutions.derived.csv); with resolved_at_utc, Gamma shows a resolution (and its closedTime) only once the replay's clock passes it (a date alone: the end of that day)."
    ) var resolutions: String?
    @Option(
        help:
            "ERC-20 transfers (CSV block_time,token,from,to,amount) to plant on the chain as Transfer logs (funding evidence)."
    ) var transfers: String?
    @Option(help: "Without --replay: generate this many trades (seeded) to replay.") var generate = 20_000
    @Option(help: "Seed for --generate.") var seed: UInt64 = 42
    @Option(help: "Replay speed: N (× real time), max, or manual (only POST /_sim/publish advances).") var speed = "max"
    @Flag(
        help:
            "When the history ends, replay it again shifted by whole days (fresh transaction hashes; resolutions of the previous pass are then public)."
    ) var loop = false
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0 = any free port; the chosen one is printed).") var port = 8090
    @Option(name: .customLong("fault"), help: "A fault spec; see above. Repeatable.") var faults: [String] = []
    @Option(help: "Zone of local-time timestamps in the replay file.") var timezone = "UTC"
    @Option(name: .customLong("starting-balance"), help: "pUSD credited to each new account.") var startingBalance =
        "100000"
    @Option(
        help:
            "Fee schedules shown on Gamma and /clob-markets and charged to takers: none, 2026 (the venue's by category: politics 0.04, crypto 0.07, sports 0.03, exponent 1), or RATE:EXPONENT."
    ) var fees = "none"

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "polymarket-sim")
        var f = SimFaults()
        for spec in faults {
            do { try f.apply(spec: spec) } catch { throw ValidationError(error.description) }
        }
        let replaySpeed: SimReplayService.Speed
        switch speed {
        case "max": replaySpeed = .max
        case "manual": replaySpeed = .manual
        default:
            guard let n = Double(speed), n > 0 else {
                throw ValidationError("--speed must be a positive number, max or manual")
            }
            replaySpeed = .times(n)
        }
        guard let balance = Micros(decimal: startingBalance), balance >= .zero else {
            throw ValidationError("--starting-balance must be a decimal ≥ 0")
        }
        guard let zone = TimeZone(identifier: timezone) else { throw ValidationError("unknown --timezone \(timezone)") }
        guard let plan = FeePlan(fees) else { throw ValidationError("--fees must be none, 2026 or RATE:EXPONENT") }
        var trades: [Trade] = []
        if let replay {
            let rows = try TradeFileReader(options: .init(localTimeZone: zone, source: .replay)).read(path: replay)
            var bad = 0
            for row in rows {
                switch row.result {
                case .success(let t): trades.append(t)
                case .failure(let e):
                    bad += 1
                    if bad <= 5 {
                        logger.warning("skipping bad row", metadata: ["sim.line": "\(row.line)", "sim.error": "\(e)"])
                    }
                }
            }
            logger.info("loaded replay file", metadata: ["sim.rows": "\(rows.count)", "sim.bad_rows": "\(bad)"])
        } else {
            TradeHistoryGenerator(options: .init(trades: generate, wallets: max(1, generate / 20), seed: seed)).generate
            { trades.append($0) }
        }
        let res = try resolutions.map { try HistoryCatalog.readResolutions(path: $0) } ?? []
        let exchange = SimExchange(
            trades: trades, resolutions: res, startingBalance: balance, fees: { plan.fees(for: $0) })
        await exchange.setFaults(f)
        if let transfers {
            let list = try TransferFileReader.read(path: transfers)
            await exchange.plantTransfers(list)
            logger.info("transfers planted on the chain", metadata: ["sim.transfers": "\(list.count)"])
        }
        let app = SimServer.application(exchange: exchange, host: host, port: port, logger: logger) { bound in
            print(
                "polymarket-sim listening on http://\(host):\(bound) (data-api /data-api, gamma /gamma, clob /clob, rtds ws /ws)"
            )
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: app),
                    .init(
                        service: SimReplayService(exchange: exchange, speed: replaySpeed, loop: loop, logger: logger)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// `polymarket-sim generate`.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic, deterministic trade history (Data API CSV) and its market resolutions.",
        discussion: """
            Wallet personas: informed (buy the eventual winner 80 % of the time), market makers (two-sided, many \
            markets), bots (high rate on a fixed clock) and noise traders; ticket sizes calibrated on ../shared/data. \
            The same --seed always gives the same file.
            """)

    @Option(help: "Number of trades.") var trades = 100_000
    @Option(help: "Number of wallets (every wallet trades at least once when trades ≥ wallets).") var wallets = 5_000
    @Option(help: "Number of markets (default: one per 500 trades, at least 20).") var markets: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Output trades CSV ('-' for standard output).") var out = "-"
    @Option(help: "Also write market resolutions to this CSV.") var resolutions: String?
    @Option(help: "Also write each wallet's planted persona to this CSV (wallet,persona).") var personas: String?
    @Option(
        help: """
            A world for testing evidence instead (--trades/--wallets ignored): null (no skill), skilled:EDGE (30 wallets \
            beat the price by EDGE, e.g. 0.08), bloom:EDGE:FRACTION (skilled only after FRACTION of the 60 days); \
            1,200 no-skill wallets, 25 market makers, 15 two-sided timer bots; resolutions carry their exact times; \
            sybil: a ring of 8 wallets funded by one address copying its leader within seconds, beside 10 independent \
            wallets (write the funding with --transfers).
            """) var world: String?
    @Option(help: "With --world sybil: also write the ERC-20 funding transfers to this CSV.") var transfers: String?

    func validate() throws {
        guard trades >= 0 else { throw ValidationError("--trades must be ≥ 0") }
        guard wallets >= 1 else { throw ValidationError("--wallets must be ≥ 1") }
        if let markets, markets < 1 { throw ValidationError("--markets must be ≥ 1") }
    }

    func run() throws {
        if world == "sybil" {
            // Issue 31: a sybil ring beside independent wallets; --personas names the ring's wallets (persona sybil).
            let w = SybilWorld(options: .init(seed: seed))
            let sink = try LineSink(path: out)
            sink.write(TradeFileWriter.csvHeader)
            for t in w.trades() { sink.write(TradeFileWriter.csvRow(t)) }
            sink.close()
            let personaRows =
                ["wallet,persona"] + w.ring.map { "\($0.hex),sybil" } + w.independents.map { "\($0.hex),independent" }
            for (path, rows) in [
                (resolutions, w.resolutionRows()), (personas, personaRows), (transfers, w.transferRows()),
            ] {
                guard let path else { continue }
                let r = try LineSink(path: path)
                for line in rows { r.write(line) }
                r.close()
            }
            return
        }
        if let world {
            guard let kind = WorldGenerator.Kind(world) else {
                throw ValidationError("--world must be null, skilled:EDGE or bloom:EDGE:FRACTION, not \(world)")
            }
            let w = WorldGenerator(options: .init(kind: kind, seed: seed))
            let sink = try LineSink(path: out)
            sink.write(TradeFileWriter.csvHeader)
            for t in w.trades() { sink.write(TradeFileWriter.csvRow(t)) }
            sink.close()
            for (path, rows) in [(resolutions, w.resolutionRows()), (personas, w.personaRows())] {
                guard let path else { continue }
                let r = try LineSink(path: path)
                for line in rows { r.write(line) }
                r.close()
            }
            return
        }
        let generator = TradeHistoryGenerator(
            options: .init(trades: trades, wallets: wallets, markets: markets, seed: seed))
        let sink = try LineSink(path: out)
        sink.write(TradeFileWriter.csvHeader)
        generator.generate { sink.write(TradeFileWriter.csvRow($0)) }
        sink.close()
        if let resolutions {
            let r = try LineSink(path: resolutions)
            r.write(TradeFileWriter.resolutionsHeader)
            for m in generator.markets { r.write(TradeFileWriter.resolutionRow(m, resolvedAt: "generated")) }
            r.close()
        }
        if let personas {
            let p = try LineSink(path: personas)
            p.write("wallet,persona")
            for w in generator.wallets { p.write("\(w.address.hex),\(w.persona.rawValue)") }
            p.close()
        }
    }
}

/// Buffered line output to a file or standard output.
final class LineSink {
    private let handle: FileHandle
    private let ownsHandle: Bool
    private var buffer = Data()

    init(path: String) throws {
        ownsHandle = path != "-"
        if path == "-" {
            handle = .standardOutput
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create \(path)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        if ownsHandle { try? handle.close() }
    }
}
