import PolybotCore

extension MarketFees {
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
