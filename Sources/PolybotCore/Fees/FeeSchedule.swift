/// A market's taker fee schedule (Polymarket since March 2026; Gamma `feeSchedule {rate, exponent, takerOnly,
/// rebateRate}`, the CLOB's `fd {r, e}`).
///
/// A taker filling `s` shares at price `p` pays `s × rate × (p × (1 − p))^exponent` pUSD; a maker pays nothing (the
/// formula of the official client's `fees.py`). The arithmetic is exact on integers — shares and price in micro units,
/// the rate in millionths — with **one rounding, at the end: down to the venue's 0.00001 pUSD** (NautilusTrader's
/// Polymarket adapter, citing docs.polymarket.com/trading/fees, floors to 5 decimals). Exponents 0, 1 and 2 are
/// computed (the venue uses 1 and 2); `init` refuses any other, so a market whose fee cannot be computed is never
/// traded on a guessed one.
public struct FeeSchedule: Hashable, Sendable, Codable {
    /// The rate as a fraction in micro units (`0.04` → 40 000).
    public let rate: Micros
    /// The exponent of `p × (1 − p)`.
    public let exponent: Int
    /// Whether only takers pay (every 2026 schedule says so; a maker is never charged here either way).
    public let takerOnly: Bool
    /// The share of taker fees paid back to makers (reported, not used: a copy trader takes).
    public let rebateRate: Micros

    /// No fees (fee-free markets; `feesEnabled: false`).
    public static let free = FeeSchedule(uncheckedRate: .zero, exponent: 1, takerOnly: true, rebateRate: .zero)

    /// The venue's smallest fee step: 0.00001 pUSD.
    public static let step: Int64 = 10

    private init(uncheckedRate rate: Micros, exponent: Int, takerOnly: Bool, rebateRate: Micros) {
        self.rate = rate
        self.exponent = exponent
        self.takerOnly = takerOnly
        self.rebateRate = rebateRate
    }

    /// A schedule, or nil when it cannot be computed exactly: a rate outside 0…1, an exponent other than 0, 1 or 2, or
    /// a rebate outside 0…1.
    public init?(rate: Micros, exponent: Int, takerOnly: Bool = true, rebateRate: Micros = .zero) {
        guard rate >= .zero, rate <= .one, (0...2).contains(exponent), rebateRate >= .zero, rebateRate <= .one else {
            return nil
        }
        self.init(uncheckedRate: rate, exponent: exponent, takerOnly: takerOnly, rebateRate: rebateRate)
    }

    /// Whether this schedule charges anything.
    public var chargesFees: Bool { rate > .zero }

    /// The taker fee in pUSD for `shares` filled at `price`, floored to 0.00001; nil for a negative size or a price
    /// outside 0…1 (refused, not guessed).
    public func takerFee(shares: Micros, price: Micros) -> Micros? {
        guard let micros = exactMicros(shares: shares, price: price, roundingUp: false) else { return nil }
        return Micros(micros / Self.step * Self.step)
    }

    /// The taker fee of one share at `price`, **rounded up** to the micro: what gates and sizing add to the price, so
    /// they never understate the cost. nil for a price outside 0…1.
    public func perShare(price: Micros) -> Micros? {
        exactMicros(shares: .one, price: price, roundingUp: true).map(Micros.init)
    }

    /// The effective price of a taker BUY at `price`: price + ``perShare(price:)``. nil for a price outside 0…1 or a sum
    /// that does not fit.
    public func effectivePrice(_ price: Micros) -> Micros? {
        guard let fee = perShare(price: price) else { return nil }
        let (sum, overflow) = price.raw.addingReportingOverflow(fee.raw)
        return overflow ? nil : Micros(sum)
    }

    /// How much of `amount` pUSD a market BUY at `price` may spend when the account holds `balance`: the official
    /// client's `adjust_buy_amount_for_fees` (py-clob-client-v2 1.2.1, no builder fee, no fee slippage) in exact
    /// integers — when the balance cannot cover the amount plus the platform fee on it, the amount becomes the balance
    /// less that fee (never below zero). The fee is on `min(amount, balance) / price` shares, rounded up to the micro.
    /// nil for a price outside (0, 1) or a negative amount or balance.
    public func adjustedBuyAmount(_ amount: Micros, price: Micros, balance: Micros) -> Micros? {
        guard price > .zero, price < .one, amount >= .zero, balance >= .zero else { return nil }
        let base = min(amount, balance)
        guard let shares = Int64(exactly: Int128(base.raw) * Int128(Micros.scale) / Int128(price.raw)),
            let fee = exactMicros(shares: Micros(shares), price: price, roundingUp: true)
        else { return nil }
        let (total, overflow) = amount.raw.addingReportingOverflow(fee)
        if overflow || balance.raw <= total { return Micros(max(balance.raw - fee, 0)) }
        return amount
    }

    /// shares × rate × (p(1 − p))^exponent in micro units, exact, then floored or rounded up once.
    private func exactMicros(shares: Micros, price: Micros, roundingUp: Bool) -> Int64? {
        guard shares >= .zero, price >= .zero, price <= .one else { return nil }
        let s = UInt128(shares.raw)
        let r = UInt128(rate.raw)
        let p = UInt128(price.raw)
        let scale = UInt128(Micros.scale)
        // p × (1 − p) at scale 10^12.
        let q = p * (scale - p)
        let quotient: UInt128
        let exact: Bool
        switch exponent {
        case 0:
            // s·r / 10^6
            (quotient, exact) = (s * r / scale, (s * r) % scale == 0)
        case 1:
            // s·r·q / 10^18 (s·r < 2^63·2^20, ·q < 2^38: fits 128 bits)
            let d = scale * scale * scale
            (quotient, exact) = (s * r * q / d, (s * r * q) % d == 0)
        default:
            // s·r·q·q / 10^30: the product needs 256 bits, the quotient (≤ s) fits 128.
            let wide = (s * r * q).multipliedFullWidth(by: q)
            let divisor = scale * scale * scale * scale * scale
            let (qq, rem) = divisor.dividingFullWidth(wide)
            (quotient, exact) = (qq, rem == 0)
        }
        let rounded = roundingUp && !exact ? quotient + 1 : quotient
        return Int64(exactly: rounded)
    }

    /// What a fill costs in fees: the taker fee for a taker, nothing for a maker.
    public func fee(shares: Micros, price: Micros, taker: Bool) -> Micros? {
        taker ? takerFee(shares: shares, price: price) : (shares >= .zero ? .zero : nil)
    }
}
