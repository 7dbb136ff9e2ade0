import ArgumentParser
import PolybotApp

/// `polybot probe`.
struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check every configured endpoint (Data API, Gamma, CLOB REST, RTDS and CLOB WebSockets, Polygon RPC).",
        discussion: "Prints one line per endpoint with status and latency; exits 1 when any check fails.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Per-check timeout in seconds.") var timeout: Int = 10

    func run() async throws {
        let (config, _) = try common.load()
        let (logger, _) = bootstrap(config)
        let checks = await ProbeCommand.run(config: config, timeout: .seconds(timeout), logger: logger)
        for c in checks { print(c.line) }
        if checks.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}
