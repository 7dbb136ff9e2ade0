import Logging
import PolybotCore
import Polymarket

extension BacktestCommand {
    /// Who is one trader over the history (``ClusterEvidence``): funding links among the wallets that ever made a
    /// whale-sized trade, from the transfers file; co-trading links among them from the trades, tested hourly on market
    /// time; the wash fills between linked wallets (left out of scores, consensus, the tape and the verdict).
    ///
    /// - Throws: file errors of the transfers file.
    static func clusterEvidence(
        config: AppConfiguration, options: Options, all: [Trade], logger: Logger
    ) throws -> ClusterEvidence {
        let transfers = try options.transfersPath.map { try TransferFileReader.read(path: $0) } ?? []
        let minimum = options.whaleMinNotional ?? config.whaleMinNotional
        let tracked = Set(all.lazy.filter { $0.notional >= minimum }.map(\.wallet))
        let evidence = ClusterEvidence.build(
            rows: all, transfers: transfers, tracked: tracked, funding: options.funding)
        logger.info(
            "backtest: clusters found",
            metadata: [
                "wallets": "\(tracked.count)", "transfers": "\(transfers.count)",
                "funding_links": "\(evidence.fundingLinks)", "co_trading_links": "\(evidence.coTradingLinks)",
                "wash_fills": "\(evidence.wash.count)",
            ])
        return evidence
    }
}
