import PolybotCore

/// What a Gamma market says about its fees (`feesEnabled`, `feeType`, `feeSchedule`; 2026).
public enum MarketFees: Sendable, Equatable {
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

    /// The wire shape of `feeSchedule`.
    struct Wire: Decodable {
        var rate: LenientDecimal?
        var exponent: LenientDecimal?
        var takerOnly: LenientBool?
        var rebateRate: LenientDecimal?
    }

    /// Reads the three fields (any of them may be absent; `schedulePresent`: the key is there and not null).
    static func read(enabled: Bool?, type: String?, schedule wire: Wire?, schedulePresent: Bool) -> MarketFees {
        if enabled == false { return .free }
        guard let wire else {
            if schedulePresent { return .uncomputable("feeSchedule unreadable") }
            return enabled == true ? .uncomputable("feesEnabled without a feeSchedule") : .notStated
        }
        guard let rateText = wire.rate?.text, let rate = Micros(decimal: rateText) else {
            return .uncomputable("feeSchedule.rate \(wire.rate?.text ?? "missing")")
        }
        guard let e = wire.exponent.flatMap({ Micros(decimal: $0.text) }), e.raw % Micros.scale == 0,
            let exponent = Int(exactly: e.raw / Micros.scale)
        else {
            return .uncomputable("feeSchedule.exponent \(wire.exponent?.text ?? "missing")")
        }
        let rebate = wire.rebateRate.flatMap { Micros(decimal: $0.text) } ?? .zero
        guard
            let schedule = FeeSchedule(
                rate: rate, exponent: exponent, takerOnly: wire.takerOnly?.value ?? true, rebateRate: rebate)
        else {
            return .uncomputable("feeSchedule rate \(rateText), exponent \(exponent) cannot be computed exactly")
        }
        return .charged(schedule, type: type)
    }
}
