import Logging
import PostgresNIO

/// Every repository over one database, built once by the composition root.
package struct PolybotStore: Sendable {
    /// The shared database handle.
    package let db: Database
    package let whales: any WhaleRepository
    package let baskets: any BasketRepository
    package let trades: any TradeRepository
    package let orders: any OrderRepository
    package let positions: any PositionRepository
    package let dailyPnl: any DailyPnlRepository
    package let scores: any ScoreRepository
    package let markets: any MarketRepository
    package let audit: any AuditRepository
    package let signals: any SignalRepository
    package let execution: any ExecutionRepository
    /// Dashboard read models.
    package let activity: ActivityQueries
    /// Read models of the whale-intelligence pages.
    package let insights: InsightQueries
    /// Stored backtest runs and their reports.
    package let backtests: BacktestRunRepository
    /// Operator settings.
    package let settings: SettingsRepository
    /// The read model of a paper run (replay, backtest).
    package let paperRun: PaperRunQueries
    /// Where the chain source stands.
    package let chainProgress: ChainProgressRepository
    /// Links between wallets that are one trader.
    package let walletLinks: WalletLinkRepository
    /// Collateral transfers read from the chain (funding evidence).
    package let fundingTransfers: FundingTransferRepository
    /// The scoring fold's saved state (incremental nightly rescoring).
    package let scoreCheckpoints: ScoreCheckpointRepository

    /// Builds the PostgreSQL repositories over a client.
    ///
    /// `queryLimit` bounds each query (waiting for a connection included; see ``BoundedPostgresClient``): short for
    /// the daemon's request and pipeline paths, long for batch work such as rescoring and replays.
    package init(client: PostgresClient, logger: Logger, queryLimit: Duration = .seconds(5)) {
        let db = Database(client: client, logger: logger, queryLimit: queryLimit)
        self.db = db
        whales = WhalePostgresRepository(db: db)
        baskets = BasketPostgresRepository(db: db)
        trades = TradePostgresRepository(db: db)
        orders = OrderPostgresRepository(db: db)
        positions = PositionPostgresRepository(db: db)
        dailyPnl = DailyPnlPostgresRepository(db: db)
        scores = ScorePostgresRepository(db: db)
        markets = MarketPostgresRepository(db: db)
        audit = AuditPostgresRepository(db: db)
        signals = SignalPostgresRepository(db: db)
        execution = ExecutionPostgresRepository(db: db)
        activity = ActivityQueries(db: db)
        insights = InsightQueries(db: db)
        backtests = BacktestRunRepository(db: db)
        settings = SettingsRepository(db: db)
        paperRun = PaperRunQueries(db: db)
        chainProgress = ChainProgressRepository(db: db)
        walletLinks = WalletLinkRepository(db: db)
        fundingTransfers = FundingTransferRepository(db: db)
        scoreCheckpoints = ScoreCheckpointRepository(db: db)
    }
}
