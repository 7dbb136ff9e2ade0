extension TradeListener {
    /// When and how far back the safety-net sweep looks.
    package struct SweepSchedule: Sendable {
        /// Time between sweeps (nil: no sweep).
        package var every: Duration?
        /// How far before the newest trade time each sweep reaches.
        package var window: Int64
        /// Waits between sweeps (nil: the listener's clock).
        package var sleep: (@Sendable (Duration) async throws -> Void)?

        /// Creates a schedule.
        package init(
            every: Duration? = .seconds(60), window: Int64 = 600,
            sleep: (@Sendable (Duration) async throws -> Void)? = nil
        ) {
            self.every = every
            self.window = window
            self.sleep = sleep
        }
    }
}
