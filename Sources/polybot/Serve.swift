import ArgumentParser
import PolybotApp

/// `polybot serve`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: pipeline, HTTP API and dashboard, scheduled rescoring.",
        discussion: """
            Without DATABASE_URL an embedded PostgreSQL cluster is started in POLYBOT_DATA_DIR/pg and stopped on exit.
            Refuses to start while migrations are pending (run `polybot migrate`, or pass --migrate).
            SIGTERM or SIGINT shuts down gracefully.
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
