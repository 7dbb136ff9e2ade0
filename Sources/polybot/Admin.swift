import ArgumentParser
import Foundation
import PolybotApp

/// Runs an admin action and prints its result.
func runAdmin(_ action: AdminCommand.Action, _ common: CommonOptions) async throws {
    let (config, _) = try common.load()
    let (logger, _) = bootstrap(config)
    do {
        let text = try await AdminCommand.run(action, config: config, logger: logger)
        if !text.isEmpty { print(text) }
    } catch {
        throw fail(error)
    }
}

/// `polybot whales …`.
struct Whales: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage tracked wallets.",
        subcommands: [List.self, Show.self, Add.self, Remove.self, Allow.self, Deny.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List whales with status, class and score.")
        @OptionGroup var common: CommonOptions
        func run() async throws { try await runAdmin(.whalesList, common) }
    }
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a whale and its recent score snapshots.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Wallet address.") var address: String
        func run() async throws { try await runAdmin(.whaleShow(address), common) }
    }
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Track a wallet.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Wallet address.") var address: String
        @Option(help: "Label.") var label = ""
        @Option(name: .customLong("tag"), help: "Tag (repeatable).") var tags: [String] = []
        func run() async throws { try await runAdmin(.whaleAdd(address, label: label, tags: tags), common) }
    }
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a wallet (and its basket memberships).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Wallet address.") var address: String
        func run() async throws { try await runAdmin(.whaleRemove(address), common) }
    }
    struct Allow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allow-list a wallet: its trades always pass the whale filter.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Wallet address.") var address: String
        func run() async throws { try await runAdmin(.whaleList(address, allow: true), common) }
    }
    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deny-list a wallet: its trades never pass.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Wallet address.") var address: String
        func run() async throws { try await runAdmin(.whaleList(address, allow: false), common) }
    }
}

/// `polybot baskets …`.
struct Baskets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage baskets (named groups whose consensus fires copy signals).",
        subcommands: [
            List.self, Show.self, Create.self, Delete.self, AddMember.self, RemoveMember.self, TopWallets.self,
        ])

    struct TopWallets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "top-wallets",
            abstract:
                "Print a trades file's most profitable wallets once resolved (top buyers without --markets), one per line.",
            discussion: "Chosen in hindsight: for demos and replays, not a selection method (the nightly scores are).")
        @Option(help: "Trades file (Data API CSV or JSONL).") var trades: String
        @Option(help: "Resolutions file (CSV or Gamma JSONL).") var markets: String?
        @Option(help: "How many.") var count = 12
        func run() async throws {
            do {
                for a in try ReplayCommand.topWallets(tradesPath: trades, marketsPath: markets, count: count) {
                    print(a)
                }
            } catch {
                FileHandle.standardError.write(Data("polybot baskets top-wallets: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List baskets.")
        @OptionGroup var common: CommonOptions
        func run() async throws { try await runAdmin(.basketsList, common) }
    }
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a basket and its members.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Basket name.") var name: String
        func run() async throws { try await runAdmin(.basketShow(name), common) }
    }
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a basket.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Basket name.") var name: String
        @Option(help: "Category or topic.") var category = ""
        @Option(name: .customLong("window-hours"), help: "Consensus window (1–168 h).") var windowHours = 24
        @Option(name: .customLong("min-members"), help: "Minimum agreeing members.") var minMembers = 3
        @Option(help: "Agreeing share, e.g. 0.8.") var ratio = "0.8"
        @Option(name: .customLong("min-upside"), help: "Required 1 − best ask, e.g. 0.05.") var minUpside = "0.05"
        func run() async throws {
            try await runAdmin(
                .basketCreate(
                    name: name, category: category, windowHours: windowHours, minMembers: minMembers,
                    ratio: ratio, minUpside: minUpside), common)
        }
    }
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a basket.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Basket name.") var name: String
        func run() async throws { try await runAdmin(.basketDelete(name), common) }
    }
    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-member", abstract: "Add a wallet to a basket.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Basket name.") var name: String
        @Argument(help: "Wallet address.") var address: String
        func run() async throws { try await runAdmin(.basketAddMember(basket: name, wallet: address), common) }
    }
    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-member", abstract: "Remove a wallet from a basket.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Basket name.") var name: String
        @Argument(help: "Wallet address.") var address: String
        func run() async throws { try await runAdmin(.basketRemoveMember(basket: name, wallet: address), common) }
    }
}
