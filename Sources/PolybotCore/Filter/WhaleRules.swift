/// Why the whale filter kept or dropped a trade.
public enum WhaleVerdict: Sendable, Hashable {
    /// Kept: notional at or above the threshold.
    case whale
    /// Kept regardless of size: the wallet is on the allow list.
    case allowListed
    /// Dropped: the wallet is on the deny list.
    case denyListed
    /// Dropped: notional below the threshold.
    case belowThreshold
    /// Dropped: the market or its event is excluded.
    case marketExcluded

    /// True when the trade goes on down the pipeline.
    public var passes: Bool { self == .whale || self == .allowListed }
}

/// The whale filter's rules: notional threshold, allow/deny lists and market exclusions. A pure value type;
/// the operator changes it at run time and the filter stage swaps it in.
public struct WhaleRules: Sendable, Hashable {
    /// Minimum notional (size × price) of a whale trade; $10,000 by default.
    public var minNotional: Micros
    /// Wallets that always pass.
    public var allow: Set<Address>
    /// Wallets that never pass (deny wins over allow).
    public var deny: Set<Address>
    /// Condition ids whose trades are dropped.
    public var excludedMarkets: Set<String>
    /// Event slugs whose trades are dropped.
    public var excludedEvents: Set<String>

    /// Creates rules; by default $10k and no lists.
    public init(
        minNotional: Micros = Micros(10_000_000_000), allow: Set<Address> = [], deny: Set<Address> = [],
        excludedMarkets: Set<String> = [], excludedEvents: Set<String> = []
    ) {
        self.minNotional = minNotional
        self.allow = allow
        self.deny = deny
        self.excludedMarkets = excludedMarkets
        self.excludedEvents = excludedEvents
    }

    /// Classifies one trade.
    public func evaluate(_ trade: Trade) -> WhaleVerdict {
        if deny.contains(trade.wallet) { return .denyListed }
        if excludedMarkets.contains(trade.conditionId) || excludedEvents.contains(trade.eventSlug) {
            return .marketExcluded
        }
        if allow.contains(trade.wallet) { return .allowListed }
        // Exact: size × price in 128 bits against the threshold scaled up, so no rounding can promote a trade.
        let product = trade.size.raw.multipliedFullWidth(by: trade.price.raw)
        let exact = (Int128(product.high) << 64) | Int128(product.low)
        return exact >= Int128(minNotional.raw) * Int128(Micros.scale) ? .whale : .belowThreshold
    }
}
