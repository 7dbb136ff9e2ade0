import Foundation
import PolybotCore
import PolybotStore

/// The one way fills reach the books: a report (the venue's trades, what it says matched) goes through ``ExecutionRepository/applyFill(_:)`` (order,
/// position and the day's realised PnL in one transaction), then listeners (risk manager, events) hear about it.
package struct FillLedger: Sendable {
    let store: PolybotStore
    /// Current equity (to open a day's PnL row).
    let equity: @Sendable () async -> Micros
    /// Told about every fill that moved something.
    let onFill: @Sendable (AppliedFill) async -> Void
    let now: @Sendable () -> Date

    /// Creates a ledger.
    package init(
        store: PolybotStore, equity: @escaping @Sendable () async -> Micros,
        onFill: @escaping @Sendable (AppliedFill) async -> Void = { _ in },
        now: @escaping @Sendable () -> Date = { SystemPipelineClock().date() }
    ) {
        self.store = store
        self.equity = equity
        self.onFill = onFill
        self.now = now
    }

    /// Applies a report for an order: what the venue says matched in all (cumulative) and the trades this path knows.
    @discardableResult
    package func report(
        orderId: Int64, venueMatched: Micros, trades: [TradeFill] = [], status: OrderStatus? = nil,
        eventType: String, venueStatus: String, corrects: Bool = false
    ) async throws -> AppliedFill {
        let applied = try await store.execution.applyFill(
            FillReport(
                orderId: orderId, venueMatched: venueMatched, trades: trades, status: status, eventType: eventType,
                venueStatus: venueStatus, day: utcDay(Int64(now().timeIntervalSince1970)), equity: await equity(),
                corrects: corrects))
        await onFill(applied)
        return applied
    }
}
