/// The fills of a recorded file (or a page of one) each once, with twins told apart: a row that repeats another —
/// same transaction, wallet, token, side, size and price, as the Data API's overlapping pages give — is dropped, and a
/// wallet's second fill of the same token, side and size in one transaction at another price (two of its orders
/// matched at once) is kept as a twin with the next ``Trade/ordinal``, in the order the rows come. The chain tells
/// twins apart by log order; a file by price (two twins at one price are one row there, as they always were).
public struct RecordedFills: Sendable {
    private struct Fill: Hashable {
        var key: TradeKey
        var price: Micros
    }
    private var seen: Set<Fill> = []
    private var twins: [TradeKey: Int] = [:]

    /// An empty stream.
    public init() {}

    /// The row as a fill to keep (its ordinal set when it is a twin), or nil when it repeats a row already admitted.
    /// Meant for the rows of one recorded source: a row that already carries an ordinal keeps it and is not counted
    /// among the twins of its key (mixing a chain's numbered rows with a feed's unnumbered ones is not supported).
    public mutating func admit(_ row: Trade) -> Trade? {
        guard row.ordinal == nil else { return seen.insert(Fill(key: row.key, price: row.price)).inserted ? row : nil }
        let first = row.key
        guard seen.insert(Fill(key: first, price: row.price)).inserted else { return nil }
        let n = twins[first, default: 0]
        twins[first] = n + 1
        var kept = row
        if n > 0 { kept.ordinal = n }
        return kept
    }
}
