import ArgumentParser
import PolybotApp

/// `polybot migrate`.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (the numbered SQL files built into this binary).",
        discussion:
            "Each file runs in one transaction; a changed checksum of an applied file is refused. POLYBOT_MIGRATIONS_DIR names a folder to use instead of the built-in files."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (config, _) = try common.load()
        let (logger, _) = bootstrap(config)
        do {
            let applied = try await MigrateCommand.run(config: config, logger: logger)
            print(applied.isEmpty ? "database is up to date" : "applied: \(applied.joined(separator: ", "))")
        } catch {
            throw fail(error)
        }
    }
}
