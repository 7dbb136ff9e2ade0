import ArgumentParser
import PolybotApp

/// `polybot serve`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: the trading pipeline, health/metrics endpoints, scheduled rescoring.",
        discussion: """
            The pipeline: RTDS listener (+ Data API backfill) → whale filter → wallet scorer → basket consensus → \
            position sizer → risk manager → executor, with the order tracker (live), the position tracker (marks, \
            daily PnL, exits, settlement) and startup reconciliation; trading starts only after reconciliation.

            Modes: paper (default; fills walk the real book after POLYBOT_COPY_DELAY_SECONDS), approve (orders wait for an \
            operator; POLYBOT_APPROVE_LIVE=true sends approved ones live), live (signed CLOB V2 orders; needs \
            POLY_PRIVATE_KEY, POLY_API_KEY, POLY_API_SECRET, POLY_PASSPHRASE and a CLOB /version this build can sign for).

            Without DATABASE_URL an embedded PostgreSQL cluster is started in POLYBOT_DATA_DIR/pg and stopped on exit.

            Refuses to start while migrations are pending (run `polybot migrate`, or pass --migrate).

            SIGTERM or SIGINT shuts down gracefully: the feed stops and the stages drain what they hold (exit 0); one \
            that arrives during start-up stops it at the next step, the embedded cluster included. A whale trade that \
            cannot be stored waits for the database; the feed is checked by a Data API sweep every \
            POLYBOT_FEED_SWEEP_SECONDS.

            Also served: the dashboard (dashboard-static/, charts by Debian's Chart.js at /vendor/chart.min.js), the \
            market catalog (titles and timed resolutions from Gamma every POLYBOT_MARKET_CATALOG_SECONDS), rescoring on \
            market time every POLYBOT_RESCORE_EVERY_SECONDS (0 = off) besides the nightly POLYBOT_RESCORE_AT, and \
            backtests of the stored history started from the API (POST /api/v1/backtests).
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to bind (default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind (default 8080).") var port: Int?
    @Option(help: "paper | approve | live (default paper).") var mode: String?
    @Flag(help: "Opt in to live trading (same as --mode live).") var live = false
    @Flag(help: "Apply pending migrations before starting.") var migrate = false

    func run() async throws {
        let (config, _) = try common.load([
            "POLYBOT_HOST": host, "POLYBOT_PORT": port.map(String.init), "POLYBOT_MODE": live ? "live" : mode,
        ])
        let (logger, registry) = bootstrap(config)
        do {
            try await PolybotApp.serve(config: config, migrateFirst: migrate, registry: registry, logger: logger)
        } catch {
            throw fail(error)
        }
    }
}
