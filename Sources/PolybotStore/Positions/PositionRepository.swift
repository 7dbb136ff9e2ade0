import PolybotCore

/// Persistence of our positions.
package protocol PositionRepository: Sendable {
    /// Opens a position. Throws ``StoreError/duplicate(constraint:)`` when one is already open for the token and mode.
    func open(_ position: Position) async throws -> Position
    /// Replaces a position's numbers and status (matched on id).
    func update(_ position: Position) async throws
    /// The position with this id.
    func get(id: Int64) async throws -> Position?
    /// The open position in a token, if any.
    func openPosition(mode: RunMode, asset: String) async throws -> Position?
    /// All open positions of a mode, oldest first.
    func openPositions(mode: RunMode) async throws -> [Position]
    /// Positions of a mode, newest first, optionally only in some states.
    func list(mode: RunMode, statuses: [PositionStatus]?, limit: Int) async throws -> [Position]
    /// Realised PnL and fees over all positions of a mode.
    func totals(mode: RunMode) async throws -> PositionTotals
}

/// Sums over a mode's positions.
package struct PositionTotals: Sendable, Hashable {
    package var realizedPnl: Micros
    package var fees: Micros
}

/// Persistence of the daily PnL series.
package protocol DailyPnlRepository: Sendable {
    /// Inserts or replaces a day's row.
    func upsert(_ row: DailyPnl) async throws
    /// Writes a marking pass's figures — end equity, unrealised PnL, exposure — and nothing else: realised PnL and fees
    /// are only ever added by fills and settlements, so a mark can never lose or zero them. Creates the row (with
    /// `startEquity`) when the day has none yet.
    func mark(
        day: String, mode: RunMode, startEquity: Micros, endEquity: Micros, unrealized: Micros, exposure: Micros)
        async throws
    /// The rows of a mode between two `YYYY-MM-DD` days, inclusive, oldest first.
    func range(mode: RunMode, from: String, to: String) async throws -> [DailyPnl]
}
