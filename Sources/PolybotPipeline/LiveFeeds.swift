import Logging
import PolybotCore
import PolybotStore
import Polymarket

extension Pipeline {
    /// The daemon's trade feeds for the configured sources: the chain (`OrderFilled` logs over the Polygon RPC, token
    /// markets from Gamma, progress in the store), RTDS `activity`; and the sources running, which the listener's
    /// divergence watch compares (the Data API counts when its backfills and sweeps run).
    static func liveFeeds(
        _ settings: PipelineSettings, rpc: PolygonRPC?, gamma: GammaClient?, store: PolybotStore,
        dataAPI: DataAPIClient?, minCash: @escaping @Sendable () -> Micros, now: @escaping @Sendable () -> Int64,
        logger: Logger
    ) -> (feed: (any MarketFeed)?, running: Set<TradeSource>, chainStats: ChainFeedStats?) {
        var feeds: [any MarketFeed] = []
        var chainStats: ChainFeedStats?
        var running: Set<TradeSource> = []
        if settings.feedSources.contains(.rtds), let url = settings.rtdsURL {
            feeds.append(
                RTDSFeed(
                    configuration: .init(url: url, stallTimeout: settings.feedStallTimeout), now: now, logger: logger))
            running.insert(.rtds)
        }
        if settings.feedSources.contains(.chain) {
            if let rpc, let gamma {
                let stats = ChainFeedStats()
                chainStats = stats
                feeds.append(
                    ChainFeed(
                        configuration: .init(
                            webSocketURL: settings.polygonWSURL, confirmations: settings.chainConfirmations),
                        rpc: rpc, tokens: GammaTokenDirectory(gamma: gamma), checkpoints: store.chainProgress,
                        minNotional: minCash, stats: stats, logger: logger))
                running.insert(.chain)
            } else {
                // The configuration refuses this; a caller that builds settings by hand hears it here.
                logger.critical("the chain source needs a Polygon RPC and Gamma; it is not running")
            }
        }
        if settings.feedSources.contains(.dataAPI), dataAPI != nil, settings.feedSweepEvery != nil {
            running.insert(.dataAPI)
        }
        let feed: (any MarketFeed)? =
            switch feeds.count {
            case 0: nil
            case 1: feeds[0]
            default: MergedFeed(feeds)
            }
        return (feed, running, chainStats)
    }
}
