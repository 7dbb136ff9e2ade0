/// The limit price of a copy order: as far above the whales' average price as the slippage cap allows, on the market's
/// tick and below 1 — with a fee, the highest tick whose price + fee per share stays within the cap. When even the
/// best ask is beyond the cap the ask is the limit (and the risk manager denies it with the numbers).
public enum LimitPrice {
    /// The limit for a BUY copy.
    ///
    /// - Parameters:
    ///   - whalePrice: the agreeing whales' notional-weighted price.
    ///   - slippage: how far above it we may pay, fee included.
    ///   - ask: the best ask (the price the order could take now).
    ///   - tick: the market's tick size (> 0).
    ///   - fees: the market's taker fee schedule.
    public static func buy(
        whalePrice: Micros, slippage: Micros, ask: Micros, tick: Micros, fees: FeeSchedule
    )
        -> Micros
    {
        let bound = whalePrice + slippage
        var cap = Micros(min((bound.raw / tick.raw) * tick.raw, Micros.one.raw - tick.raw))
        while cap > tick, let paying = fees.effectivePrice(cap), paying > bound { cap -= tick }
        return ask > cap ? ask : max(cap, ask)
    }
}
