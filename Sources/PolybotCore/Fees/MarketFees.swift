import Foundation

/// What the venue says about a market's fees (Gamma's `feesEnabled`, `feeType`, `feeSchedule`, or the CLOB's `fd`;
/// 2026), as read and as stored with the market.
public enum MarketFees: Sendable, Hashable {
    /// No fee fields at all: captures from before the fee model (the 2022 and 2025 datasets), when trading was free.
    case notStated
    /// `feesEnabled: false`.
    case free
    /// A schedule we compute exactly, with the venue's category name (`politics_fees`).
    case charged(FeeSchedule, type: String?)
    /// Fees are on but the schedule is missing or outside what we compute (a rate that is not a decimal, an exponent
    /// other than 0–2): the market's costs are unknown, so it must not be traded on a guess.
    case uncomputable(String)

    /// The schedule a fill is charged by; nil when it is unknown (`uncomputable`).
    public var schedule: FeeSchedule? {
        switch self {
        case .notStated, .free: .free
        case .charged(let s, _): s
        case .uncomputable: nil
        }
    }

}
