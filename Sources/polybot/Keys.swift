import ArgumentParser
import Foundation
import PolybotApp

/// `polybot keys …`.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "CLOB API credentials.", subcommands: [Derive.self])

    /// `polybot keys derive`.
    struct Derive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "L1-authenticate with POLY_PRIVATE_KEY and create (or derive) the CLOB API credentials.",
            discussion: """
                Talks to POLYBOT_CLOB_URL on POLYBOT_CHAIN_ID. With --out FILE the credentials are written as KEY=VALUE \
                lines to FILE with mode 0600 (use it as POLYBOT_CONFIG or source it); without it they are printed to \
                standard output once, for you to store. They are never logged.
                """)

        @OptionGroup var common: CommonOptions
        @Option(help: "L1 nonce (credentials are per address and nonce).") var nonce: UInt64 = 0
        @Option(help: "Write the credentials to this file (mode 0600) instead of standard output.") var out: String?

        func run() async throws {
            let (config, _) = try common.load()
            let (logger, _) = bootstrap(config)
            do {
                let creds = try await KeysCommand.derive(config: config, nonce: nonce, logger: logger)
                let text = KeysCommand.envFile(creds)
                if let out {
                    guard
                        FileManager.default.createFile(
                            atPath: out, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
                    else {
                        throw ValidationError("cannot write \(out)")
                    }
                    print("credentials written to \(out) (mode 0600)")
                } else {
                    FileHandle.standardError.write(Data("Store these now; they are not shown again by polybot:\n".utf8))
                    print(text, terminator: "")
                }
            } catch {
                throw fail(error)
            }
        }
    }
}
