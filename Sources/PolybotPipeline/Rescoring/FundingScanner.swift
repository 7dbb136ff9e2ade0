import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Reads the funding evidence from the chain (issue 31): the pUSD / USDC.e `Transfer` logs into every tracked wallet
/// and basket member (and, for depth 2, into their first funders), keeps them in `funding_transfers`, and records the
/// funding links they show in `wallet_links` — which the consensus stage reads with its baskets.
///
/// A wallet seen for the first time is read `lookbackBlocks` back; after that every pass (every `interval` on the
/// injected clock) reads only the blocks since the last pass, up to the head less the confirmations. A window the node
/// refuses for its size is halved; any other error ends the pass (counted and logged) and the next pass reads the
/// same blocks again: a transfer is recorded once per log, whichever pass reads it.
package struct FundingScanner: Service {
    let rpc: PolygonRPC
    let store: PolybotStore
    let rules: FundingRules
    let clock: any PipelineClock
    let interval: Duration
    let lookbackBlocks: Int64
    let confirmations: Int64
    let logger: Logger
    /// Blocks per `eth_getLogs` window at first (halved when the node refuses one).
    let windowBlocks: Int64
    /// Recipients per `eth_getLogs` filter.
    let recipientsPerCall = 100

    /// Creates the scanner.
    package init(
        rpc: PolygonRPC, store: PolybotStore, rules: FundingRules, clock: any PipelineClock = SystemPipelineClock(),
        interval: Duration = .seconds(600), lookbackBlocks: Int64, confirmations: Int64,
        windowBlocks: Int64 = 10_000, logger: Logger
    ) {
        self.rpc = rpc
        self.store = store
        self.rules = rules
        self.clock = clock
        self.interval = interval
        self.lookbackBlocks = lookbackBlocks
        self.confirmations = confirmations
        self.windowBlocks = windowBlocks
        self.logger = logger
    }

    /// What the scanner has read: up to which block, and which addresses (a restart reads again, idempotently).
    package struct Progress: Sendable, Equatable {
        package var through: Int64?
        package var scanned: Set<Address> = []
        /// Funders whose outgoing transfers were read to tell a trader from a hub.
        package var fanoutChecked: Set<Address> = []

        /// Nothing read yet.
        package init() {}
    }

    package func run() async throws {
        try? await cancelWhenGracefulShutdown {  // a graceful shutdown cancels the loop: a normal end
            var progress = Progress()
            while !Task.isCancelled {
                do { progress = try await pass(progress) } catch is CancellationError { return } catch {
                    Counter(label: "funding.scan_errors").increment()
                    logger.error(
                        "funding scan failed; the next pass reads the same blocks", metadata: ["error": "\(error)"])
                }
                do { try await clock.sleep(for: interval) } catch { return }
            }
        }
    }

    /// One pass: reads the new blocks for every address read before, then the whole lookback of addresses not read
    /// before (tracked wallets, then their first funders); records the transfers and the links. Returns the progress
    /// to carry to the next pass.
    package func pass(_ before: Progress) async throws -> Progress {
        let head = try await rpc.blockNumber() - confirmations
        var wallets = Set(try await store.whales.all().filter(\.tracked).map(\.address))
        for b in try await store.baskets.list() {
            wallets.formUnion(try await store.baskets.members(basketId: b.id).map(\.wallet))
        }
        guard head >= 0 else { return before }
        var progress = before
        let start = max(0, head - lookbackBlocks)
        var recorded = 0
        if let through = progress.through, through < head, !progress.scanned.isEmpty {
            recorded += try await read(recipients: Array(progress.scanned), (through + 1)...head)
        }
        // Depth: the funders found are read in turn (their own funders make depth-2 links); a funder's outgoing
        // transfers are read (newest first) until it has funded more wallets than a trader would: then it is a hub.
        for _ in 0...max(rules.depth, 1) {
            let funders = FundingLinks.firstFunders(
                transfers: try await store.fundingTransfers.all(), rules: rules, tracked: wallets)
            let targets = FundingLinks.ancestry(of: wallets, funders: funders, rules: rules)
            let fresh = targets.subtracting(progress.scanned)
            if !fresh.isEmpty {
                recorded += try await read(recipients: Array(fresh), start...head)
                progress.scanned.formUnion(fresh)
            }
            let found = FundingLinks.firstFunders(
                transfers: try await store.fundingTransfers.all(), rules: rules, tracked: wallets)
            let candidates = Set(targets.flatMap { (found[$0] ?? []).map(\.funder) }).subtracting(
                progress.fanoutChecked)
            for f in candidates.sorted() {
                recorded += try await read(senders: [f], start...head, stopAfterRecipients: rules.maxFunded)
                progress.fanoutChecked.insert(f)
            }
            if fresh.isEmpty && candidates.isEmpty { break }
        }
        progress.through = head
        let links = FundingLinks.links(
            transfers: try await store.fundingTransfers.all(), wallets: wallets, rules: rules)
        let new = try await store.walletLinks.record(links)
        Counter(label: "funding.transfers").increment(by: recorded)
        Counter(label: "funding.links").increment(by: new)
        if recorded > 0 || new > 0 {
            logger.notice(
                "funding read from the chain",
                metadata: ["funding.transfers": "\(recorded)", "funding.links.new": "\(new)", "chain.head": "\(head)"])
        }
        return progress
    }

    /// Reads the transfers from `senders` into `recipients` (either may be empty: any) over `range` in windows, oldest
    /// first — or, with `stopAfterRecipients`, newest first until more distinct recipients than that were seen.
    /// Returns how many were new.
    private func read(
        senders: [Address] = [], recipients: [Address] = [], _ range: ClosedRange<Int64>,
        stopAfterRecipients: Int? = nil
    ) async throws -> Int {
        let tokens = (rules.tokens.isEmpty ? FundingDefaults.tokens : rules.tokens).sorted()
        var recorded = 0
        let groups =
            recipients.isEmpty
            ? [[]]
            : stride(from: 0, to: recipients.count, by: recipientsPerCall).map {
                Array(recipients.sorted()[$0..<min($0 + recipientsPerCall, recipients.count)])
            }
        for group in groups {
            var seen = Set<Address>()
            var window = windowBlocks
            var low = range.lowerBound
            var high = range.upperBound
            while low <= high {
                try Task.checkCancellation()
                let span =
                    stopAfterRecipients == nil
                    ? low...min(high, low + window - 1) : max(low, high - window + 1)...high
                let logs: [ChainLog]
                do {
                    logs = try await rpc.transferLogs(
                        from: span.lowerBound, to: span.upperBound, tokens: tokens, senders: senders,
                        recipients: group)
                } catch {
                    // A window refused for its size is halved (down to one block); any other error ends the pass.
                    guard case .tooManyResults = error, window > 1 else { throw error }
                    window = max(1, window / 2)
                    continue
                }
                var rows: [ChainTransfer] = []
                for log in logs {
                    guard let block = ChainHex.quantity(log.blockNumber), let index = ChainHex.quantity(log.logIndex)
                    else { throw ChainRPCError.malformed("Transfer log without block or index") }
                    let time: Int64
                    if let t = log.blockTimestamp.flatMap(ChainHex.quantity) {
                        time = t
                    } else {
                        guard let header = try await rpc.block(block) else {
                            throw ChainRPCError.malformed("block \(block) missing below the head")
                        }
                        time = header.timestamp
                    }
                    let transfer = try ERC20Transfer.decode(log, time: time)
                    seen.insert(transfer.to)
                    rows.append(
                        ChainTransfer(
                            transfer: transfer, transactionHash: log.transactionHash, logIndex: Int(index), block: block
                        ))
                }
                recorded += try await store.fundingTransfers.record(rows)
                if let stop = stopAfterRecipients, seen.count > stop { break }
                if stopAfterRecipients == nil { low = span.upperBound + 1 } else { high = span.lowerBound - 1 }
            }
        }
        return recorded
    }
}
