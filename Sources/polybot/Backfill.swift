import ArgumentParser
import Foundation
import Logging
import PolybotApp

/// `polybot backfill`.
struct Backfill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read wallets' trade history into the database (resumable, with progress).",
        discussion: """
            --wallet ADDR backfills one wallet (its whole history, or since --since); --since DATE alone backfills every \
            tracked wallet. Reads Data API v2 /v2/trades (cursor paging, no offset cap) where it exists, else v1 \
            /activity windows. Progress is stored per wallet after every page: an interrupted run resumes at its cursor, \
            a finished wallet is not read again. Combo (parlay) rows are left out and counted.

            --chain --from-block N [--to-block M] reads the whale trades (≥ POLYBOT_WHALE_MIN_NOTIONAL) of a block range \
            from the V2 exchanges' OrderFilled logs over POLYBOT_POLYGON_RPC_URL (eth_getLogs in windows of 500 blocks, \
            halved when the node refuses one), never past the head less POLYBOT_CHAIN_CONFIRMATIONS. Rows are stored and \
            progress saved in batches (closed at 50,000 rows or 20 windows); a run from the same --from-block resumes \
            after the last saved block. Only the V2 \
            exchanges are read: blocks before their 2026-04-28 cutover (the V1 exchanges) hold nothing for it.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "The wallet to backfill (0x address).") var wallet: String?
    @Option(help: "Only trades at or after this time: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC).") var since: String?
    @Flag(help: "Read the chain's OrderFilled logs of a block range instead of the Data API.") var chain = false
    @Option(help: "With --chain: the first block.") var fromBlock: Int64?
    @Option(help: "With --chain: the last block (default: the head less the confirmations).") var toBlock: Int64?

    func run() async throws {
        let (config, _) = try common.load()
        let (logger, _) = bootstrap(config)
        do {
            if chain {
                guard let fromBlock, wallet == nil, since == nil else {
                    throw ValidationError("--chain takes --from-block N [--to-block M], not --wallet or --since")
                }
                let summary = try await ChainBackfillCommand.run(
                    config: config, from: fromBlock, to: toBlock, minNotional: nil, logger: logger
                ) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
                print(summary)
                return
            }
            guard fromBlock == nil, toBlock == nil else {
                throw ValidationError("--from-block and --to-block go with --chain")
            }
            let summary = try await BackfillCommand.run(
                config: config, wallet: wallet, since: since, logger: logger
            ) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            print(summary)
        } catch {
            throw fail(error)
        }
    }
}
