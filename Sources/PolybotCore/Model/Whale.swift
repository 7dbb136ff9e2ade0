/// How an operator listed a wallet.
public enum ListStatus: String, Sendable, Codable, Hashable, CaseIterable {
    /// Always passes the whale filter.
    case allow
    /// Never passes the whale filter.
    case deny
    /// Decided by size and score.
    case neutral
}

/// How a wallet entered the whale list.
public enum WhaleSource: String, Sendable, Codable, Hashable, CaseIterable {
    case manual, discovered, leaderboard, holders, `import`
}

/// A wallet Polybot tracks, with the operator's annotations.
public struct Whale: Hashable, Sendable, Codable {
    /// The proxy wallet address.
    public var address: Address
    /// Free-text label shown on the dashboard.
    public var label: String
    /// Operator tags.
    public var tags: [String]
    /// Allow / deny list status.
    public var listStatus: ListStatus
    /// Whether the nightly job backfills and rescores this wallet.
    public var tracked: Bool
    /// How the wallet was added.
    public var source: WhaleSource
    /// Operator notes.
    public var notes: String
    /// When it was added (seconds since the epoch).
    public var addedAt: Int64

    /// Creates a whale record.
    public init(
        address: Address, label: String = "", tags: [String] = [], listStatus: ListStatus = .neutral,
        tracked: Bool = true, source: WhaleSource = .manual, notes: String = "", addedAt: Int64 = 0
    ) {
        self.address = address
        self.label = label
        self.tags = tags
        self.listStatus = listStatus
        self.tracked = tracked
        self.source = source
        self.notes = notes
        self.addedAt = addedAt
    }
}
