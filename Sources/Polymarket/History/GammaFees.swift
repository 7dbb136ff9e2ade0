import PolybotCore

/// A market's fee fields as Gamma shows them (2026: `feesEnabled`, `feeType`, `feeSchedule`).
public struct GammaFees: Sendable, Equatable {
    public var enabled: Bool
    public var type: String
    public var schedule: FeeSchedule

    /// Creates fee fields.
    public init(enabled: Bool = true, type: String, schedule: FeeSchedule) {
        self.enabled = enabled
        self.type = type
        self.schedule = schedule
    }
}
