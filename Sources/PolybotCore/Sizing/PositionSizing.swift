/// How copy orders are sized.
public enum SizingMode: Sendable, Hashable, Codable {
    /// A fraction (basis points) of the Kelly stake, on the outcome probability ``OutcomeProbability`` estimates.
    case fractionalKelly(fractionBps: Int)
    /// A fixed USDC amount.
    case fixed(Micros)
    /// A share (basis points) of the whales' net notional.
    case proportional(bps: Int)
}

/// What the sizer needs to know.
public struct SizingInput: Sendable, Hashable {
    /// The limit price we would pay (on the market's tick).
    public var price: Micros
    /// The outcome's probability (``OutcomeProbability``: the price plus the agreeing wallets' proven edge); nil when
    /// no agreeing wallet has evidence. Kelly sizing needs it and skips without it; it is never invented.
    public var outcomeProbability: Double?
    /// Current equity.
    public var equity: Micros
    /// The whales' net notional behind the signal.
    public var whaleNotional: Micros
    /// The market's tick.
    public var tick: Micros
    /// The market's minimum order size, shares.
    public var minimumShares: Micros
    /// The market's taker fee schedule: a copy is a taker, so every share costs price + fee.
    public var fees: FeeSchedule

    /// Creates an input.
    public init(
        price: Micros, outcomeProbability: Double?, equity: Micros, whaleNotional: Micros, tick: Micros,
        minimumShares: Micros, fees: FeeSchedule
    ) {
        self.fees = fees
        self.price = price
        self.outcomeProbability = outcomeProbability
        self.equity = equity
        self.whaleNotional = whaleNotional
        self.tick = tick
        self.minimumShares = minimumShares
    }
}

/// The sizer's answer: an order size, or the reason to skip.
public enum SizingDecision: Sendable, Hashable {
    case size(shares: Micros, price: Micros, notional: Micros)
    case skip(SkipReason)

    /// Why a signal is not sized.
    public enum SkipReason: String, Sendable, Hashable, Codable {
        case noEdge = "no_edge"
        case belowMinimumSize = "below_minimum_size"
        case priceOffTick = "price_off_tick"
        case invalidPrice = "invalid_price"
        /// Kelly sizing without an outcome probability: no agreeing wallet has edge evidence (a scored wallet with
        /// fewer than 2 resolved markets has none).
        case noScore = "no_score"
        /// The stake or the share count does not fit in 64-bit micro units (a setting far outside sane use).
        case amountOutOfRange = "amount_out_of_range"
    }
}

/// Pure position sizing (architecture.md, "Sizing").
public enum PositionSizing {
    /// Sizes one copy order. Shares are floored to the 0.01-share lot; the stake never exceeds what the mode allows, and
    /// it pays the taker fee too: every share costs the effective price c = price + fee per share (rounded up), Kelly's
    /// edge is judged against c, and shares = stake / c — the exact form of the official client's
    /// `adjust_buy_amount_for_fees` (the amount spent, fee included, stays within the stake).
    /// Every step is checked: an amount that does not fit is the named skip ``SizingDecision/SkipReason/amountOutOfRange``,
    /// never a trap.
    public static func size(_ input: SizingInput, mode: SizingMode) -> SizingDecision {
        let p = input.price
        guard p.raw > 0, p < .one else { return .skip(.invalidPrice) }
        guard input.tick.raw > 0, p.raw % input.tick.raw == 0 else { return .skip(.priceOffTick) }
        guard let paying = input.fees.effectivePrice(p), paying < .one else { return .skip(.noEdge) }
        let stakeRaw: Int64
        switch mode {
        case .fractionalKelly(let fractionBps):
            guard let q = input.outcomeProbability, q.isFinite else { return .skip(.noScore) }
            // Binary bet at effective price c (price + fee) held to resolution: f* = (q − c)/(1 − c).
            let c = paying.doubleValue
            let f = max(0, min(1, (q - c) / (1 - c)))
            guard f > 0 else { return .skip(.noEdge) }
            let fraction = f * Double(max(0, fractionBps)) / 10_000
            // Nearest micro: the Double product carries sub-micro noise (0.4 × 0.25 = 0.09999…).
            guard let v = Int64(exactly: (Double(input.equity.raw) * fraction).rounded()) else {
                return .skip(.amountOutOfRange)
            }
            stakeRaw = v
        case .fixed(let amount):
            stakeRaw = amount.raw
        case .proportional(let bps):
            guard let v = Int64(exactly: (Int128(input.whaleNotional.raw) * Int128(bps)) / 10_000) else {
                return .skip(.amountOutOfRange)
            }
            stakeRaw = v
        }
        guard stakeRaw > 0 else { return .skip(.belowMinimumSize) }
        // Shares = stake / (price + fee per share), floored to hundredths of a share (the CLOB's lot size).
        let hundredths = (Int128(stakeRaw) * 100) / Int128(paying.raw)
        guard let sharesRaw = Int64(exactly: hundredths * 10_000) else { return .skip(.amountOutOfRange) }
        let shares = Micros(sharesRaw)
        guard shares >= input.minimumShares, shares.raw > 0 else { return .skip(.belowMinimumSize) }
        do {
            return .size(shares: shares, price: p, notional: try shares.checkedMultiplied(by: p))
        } catch {
            return .skip(.amountOutOfRange)
        }
    }
}
