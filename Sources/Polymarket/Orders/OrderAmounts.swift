import PolybotCore

/// A market's minimum price increment.
public enum TickSize: String, Sendable, CaseIterable, Codable {
    case tenth = "0.1"
    case hundredth = "0.01"
    case halfCent = "0.005"
    case thousandth = "0.001"
    case quarterTenthCent = "0.0025"
    case tenThousandth = "0.0001"

    /// The tick in micro units.
    public var micros: Int64 {
        switch self {
        case .tenth: 100_000
        case .hundredth: 10_000
        case .halfCent: 5_000
        case .thousandth: 1_000
        case .quarterTenthCent: 2_500
        case .tenThousandth: 100
        }
    }

    /// Decimal places of a price on this tick (ROUNDING_CONFIG `price`).
    public var priceDecimals: Int {
        switch self {
        case .tenth: 1
        case .hundredth: 2
        case .halfCent, .thousandth: 3
        case .quarterTenthCent, .tenThousandth: 4
        }
    }

    /// Parses a tick as the venue prints it (`"0.01"`, `0.010`, …).
    public init?(decimal text: String) {
        guard let m = Micros(decimal: text), let t = TickSize.allCases.first(where: { $0.micros == m.raw }) else {
            return nil
        }
        self = t
    }
}

/// Why an order's amounts could not be computed.
public enum OrderAmountError: Error, Equatable, CustomStringConvertible {
    /// Price outside [tick, 1 − tick].
    case priceOutOfRange(price: Micros, tick: TickSize)
    /// Price not a multiple of the tick.
    case priceOffTick(price: Micros, tick: TickSize)
    /// Size (or amount) is zero after flooring to 2 decimals.
    case sizeTooSmall(Micros)
    /// Size below the market's minimum order size.
    case belowMinimumSize(size: Micros, minimum: Micros)

    public var description: String {
        switch self {
        case .priceOutOfRange(let p, let t): "price (\(p)), min: \(t.rawValue) - max: \(Micros.one - Micros(t.micros))"
        case .priceOffTick(let p, let t): "price \(p) is not on the market's tick size \(t.rawValue)"
        case .sizeTooSmall(let s): "size \(s) is zero at 2-decimal precision"
        case .belowMinimumSize(let s, let m): "size \(s) is lower than the market's minimum: \(m)"
        }
    }
}

/// Exact-integer maker/taker amounts (signing notes §4.6): no floating point anywhere.
public enum OrderAmounts {
    /// Limit (GTC/GTD) amounts for `size` shares at `price`.
    ///
    /// BUY: maker = USDC, taker = shares; SELL: maker = shares, taker = USDC. The size is floored to 2 decimals.
    /// - Throws: ``OrderAmountError``.
    public static func limit(
        side: TradeSide, price: Micros, size: Micros, tick: TickSize
    ) throws(OrderAmountError)
        -> (maker: Int64, taker: Int64)
    {
        let p = try priceUnits(price, tick)
        let s = size.raw / 10_000  // hundredths of a share, floored
        guard s > 0 else { throw .sizeTooSmall(size) }
        let shares = s * 10_000
        let usdc = s * p * pow10(4 - tick.priceDecimals)
        return side == .buy ? (usdc, shares) : (shares, usdc)
    }

    /// Market (FOK/FAK) amounts: BUY spends `amount` USDC, SELL sells `amount` shares.
    /// - Throws: ``OrderAmountError``.
    public static func market(
        side: TradeSide, amount: Micros, price: Micros, tick: TickSize
    ) throws(OrderAmountError)
        -> (maker: Int64, taker: Int64)
    {
        // V2 market orders round the price down to the tick.
        let flooredPrice = Micros(price.raw - price.raw % tick.micros)
        let p = try priceUnits(flooredPrice, tick)
        let s = amount.raw / 10_000
        guard s > 0 else { throw .sizeTooSmall(amount) }
        if side == .sell {
            return (s * 10_000, s * p * pow10(4 - tick.priceDecimals))
        }
        let pd = tick.priceDecimals
        let ad = pd + 2
        // shares = S/100 ÷ P/10^pd, floored to `ad` decimals but snapped up within 10^-(ad+4) (py's round_up/down pair).
        let numerator = Int128(s) * Int128(pow10(pd + ad + 4))
        let denominator = Int128(100) * Int128(p)
        let c = (numerator + denominator - 1) / denominator
        let t = c / 10_000
        return (s * 10_000, Int64(t) * pow10(6 - ad))
    }

    /// Validates the price and returns it in units of 10^-pd.
    private static func priceUnits(_ price: Micros, _ tick: TickSize) throws(OrderAmountError) -> Int64 {
        guard price.raw >= tick.micros, price.raw <= Micros.scale - tick.micros else {
            throw .priceOutOfRange(price: price, tick: tick)
        }
        guard price.raw % tick.micros == 0 else { throw .priceOffTick(price: price, tick: tick) }
        return price.raw / pow10(6 - tick.priceDecimals)
    }

    static func pow10(_ n: Int) -> Int64 {
        var v: Int64 = 1
        for _ in 0..<n { v *= 10 }
        return v
    }
}
