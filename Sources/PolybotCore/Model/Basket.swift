/// A named group of wallets whose agreement fires copy signals.
public struct Basket: Hashable, Sendable, Codable {
    /// Database id (0 before insertion).
    public var id: Int64
    /// Unique name.
    public var name: String
    /// Category or topic (e.g. "politics").
    public var category: String
    /// Description for the dashboard.
    public var description: String
    /// Consensus window in hours (24–48 by design, 1–168 allowed).
    public var windowHours: Int
    /// Minimum number of agreeing members.
    public var minMembers: Int
    /// Required agreeing share in basis points (8000 = 80 %).
    public var consensusRatioBps: Int
    /// Required upside `1 − ask`, micro units (50_000 = 5¢).
    public var minUpside: Micros
    /// Whether the basket fires signals.
    public var enabled: Bool

    /// Creates a basket with the design's defaults.
    public init(
        id: Int64 = 0, name: String, category: String = "", description: String = "", windowHours: Int = 24,
        minMembers: Int = 3, consensusRatioBps: Int = 8000, minUpside: Micros = Micros(50_000), enabled: Bool = true
    ) {
        self.id = id
        self.name = name
        self.category = category
        self.description = description
        self.windowHours = windowHours
        self.minMembers = minMembers
        self.consensusRatioBps = consensusRatioBps
        self.minUpside = minUpside
        self.enabled = enabled
    }
}

/// How a wallet joined a basket.
public enum Membership: String, Sendable, Codable, Hashable {
    case manual, auto
}

/// One wallet's membership in a basket.
public struct BasketMember: Hashable, Sendable, Codable {
    /// The wallet.
    public var wallet: Address
    /// Weight in basis points (10_000 = 1.0).
    public var weightBps: Int
    /// Manual or automatic membership.
    public var membership: Membership

    /// Creates a membership.
    public init(wallet: Address, weightBps: Int = 10_000, membership: Membership = .manual) {
        self.wallet = wallet
        self.weightBps = weightBps
        self.membership = membership
    }
}
