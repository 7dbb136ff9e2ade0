/// Several feeds run side by side into one listener (each event is passed on as it comes; the listener dedupes).
public struct MergedFeed: MarketFeed {
    let feeds: [any MarketFeed]

    /// Runs `feeds` together.
    public init(_ feeds: [any MarketFeed]) { self.feeds = feeds }

    public func run(emit: @escaping @Sendable (FeedEvent) async -> Void) async {
        await withDiscardingTaskGroup { group in
            for feed in feeds { group.addTask { await feed.run(emit: emit) } }
        }
    }
}
