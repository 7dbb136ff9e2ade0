import ArgumentParser
import Foundation
import Logging
import PolybotApp

/// `polybot rescore`.
struct Rescore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the nightly rescoring now (or resume an interrupted one), with progress.",
        discussion: """
            Discovers candidates (big recent traders, the Data API leaderboard), backfills every tracked and candidate \
            wallet from the Data API, refreshes resolutions from Gamma, writes a new versioned score snapshot per wallet, \
            and promotes rising / demotes decayed wallets with the reason in the audit log. An interrupted run resumes \
            where it stopped, scoring as of its original start time. Scores are folded over every stored trade; a run \
            continues the last completed run's fold with only the trades since when that gives exactly what a full \
            re-fold gives (otherwise it re-folds and says why); --full always re-folds the whole history.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Score only this wallet.") var wallet: String?
    @Flag(help: "Re-fold the whole history instead of continuing the last run's fold.") var full = false

    func run() async throws {
        let (config, _) = try common.load()
        let (logger, _) = bootstrap(config)
        let tty = isatty(STDERR_FILENO) == 1
        do {
            let summary = try await RescoreCommand.run(config: config, wallet: wallet, full: full, logger: logger) {
                done, total in
                if tty {
                    let width = 40
                    let filled = total > 0 ? width * done / total : width
                    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                    FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) wallets".utf8))
                    if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
                } else {
                    logger.info(
                        "rescoring progress", metadata: ["rescore.done": "\(done)", "rescore.total": "\(total)"])
                }
            }
            print(summary)
        } catch {
            throw fail(error)
        }
    }
}
