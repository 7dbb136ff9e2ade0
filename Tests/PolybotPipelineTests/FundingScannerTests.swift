import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 31: funding links read from the chain — the simulator's Polygon chain carries the sybil world's collateral
/// transfers as ERC-20 `Transfer` logs, and the scanner links the ring while a hub (an exchange funding 120 wallets)
/// and a dust transfer link nobody.
@Suite("Funding from the chain", .tags(.spawnsProcesses))
struct FundingScannerTests {
    @Test func theScannerLinksTheRingFromTransferLogsAndNotTheHubsCustomers() async throws {
        let world = SybilWorld(options: .init(seed: 4))
        let exchange = SimExchange(trades: world.trades())
        await exchange.plantTransfers(world.transfers())
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(40)
            let transport = HTTPTransport(logger: Logger(label: "test.funding"))
            defer { Task { try? await transport.shutdown() } }
            let rpc = PolygonRPC(url: base + "/rpc", transport: transport)
            try await withTestDatabase { store, _ in
                for w in world.ring + world.independents {
                    try await store.whales.upsert(Whale(address: w, tracked: true))
                }
                let scanner = FundingScanner(
                    rpc: rpc, store: store, rules: FundingDefaults.rules(tokens: FundingDefaults.tokens),
                    // Back to the simulator's genesis block (65,000,000), where the funding before the replay lies.
                    lookbackBlocks: try await rpc.blockNumber() - 65_000_000 + 1, confirmations: 0, windowBlocks: 5_000,
                    logger: Logger(label: "test.funding"))
                let progress = try await scanner.pass(.init())
                #expect(progress.scanned.isSuperset(of: Set(world.ring + world.independents)))
                #expect(progress.fanoutChecked.contains(world.hub) && progress.fanoutChecked.contains(world.ringFunder))
                let view = try await store.walletLinks.clusters().view(at: .max)
                #expect(view.members(of: world.ring[0]) == world.ring.sorted())
                for w in world.independents {
                    #expect(view.members(of: w) == [w], "\(w) linked: \(view.members(of: w))")
                }
                // A second pass reads only new blocks: no transfer twice, no new link.
                let (transfers, links) = (try await store.fundingTransfers.all(), try await store.walletLinks.all())
                let again = try await scanner.pass(progress)
                #expect(again.scanned == progress.scanned && again.through! >= progress.through!)
                #expect(try await store.fundingTransfers.all() == transfers && !transfers.isEmpty)
                #expect(try await store.walletLinks.all() == links)
            }
        }
    }
}
