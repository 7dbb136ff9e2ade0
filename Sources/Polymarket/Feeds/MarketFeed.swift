/// A source of venue trades for the listener: the RTDS `activity` socket live, a recorded history in replay.
public protocol MarketFeed: Sendable {
    /// Delivers events until the task is cancelled (or, for a finite source, until it has delivered everything);
    /// each call of `emit` returns once the listener has taken the event.
    func run(emit: @escaping @Sendable (FeedEvent) async -> Void) async
}

extension RTDSFeed: MarketFeed {}
