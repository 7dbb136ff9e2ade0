/// Evidence that two wallets are one trader, with the time it became known.
public struct WalletLink: Sendable, Hashable, Codable {
    /// Why the two wallets are linked.
    public enum Evidence: Sendable, Hashable, Codable {
        /// Both were funded (first funders, within `depth` steps) by `funder`; `funder` may be one of the wallets.
        case funding(funder: Address, depth: Int)
        /// They traded the same token on the same side within the co-trading window `shared` times where
        /// independence explains `expected`; `pValue` is the Poisson tail P(X ≥ shared).
        case coTrading(shared: Int, expected: Double, pValue: Double)
        /// An operator merged them by hand.
        case manual(reason: String)
    }

    /// The lower address of the pair.
    public var a: Address
    /// The higher address of the pair.
    public var b: Address
    /// Unix seconds from which the link is known (a point-in-time view before it does not see it).
    public var since: Int64
    public var evidence: Evidence

    /// Creates a link; the pair is stored in address order.
    public init(_ x: Address, _ y: Address, since: Int64, evidence: Evidence) {
        a = min(x, y)
        b = max(x, y)
        self.since = since
        self.evidence = evidence
    }

    /// A short label of the evidence kind: `funding`, `co_trading` or `manual`.
    public var kind: String {
        switch evidence {
        case .funding: "funding"
        case .coTrading: "co_trading"
        case .manual: "manual"
        }
    }
}
