/// One level of a book as the paper fill model sees it (best first).
public struct PaperLevel: Sendable, Hashable {
    public var price: Micros
    public var size: Micros

    /// Creates a level.
    public init(price: Micros, size: Micros) {
        self.price = price
        self.size = size
    }
}

/// The result of walking a book with a limit order in paper mode.
public struct PaperFill: Sendable, Hashable {
    /// (price, shares) per level taken.
    public var fills: [PaperLevel]
    public var filledShares: Micros
    /// USDC paid (BUY) or received (SELL), before fees.
    public var notional: Micros
    /// Fee in USDC.
    public var fee: Micros
    /// Shares left unfilled (rest as a resting order or cancel, by order type).
    public var remaining: Micros
    /// What copying late cost against the whale's price: (our average − whale) × shares for a BUY, the reverse for a SELL.
    public var copyDelayCost: Micros

    /// Volume-weighted price of the fills.
    public var averagePrice: Micros? {
        filledShares > .zero
            ? Micros(Int64((Int128(notional.raw) * Int128(Micros.scale)) / Int128(filledShares.raw))) : nil
    }

    /// Walks the opposite side of the book (asks for a BUY, bids for a SELL, best first) up to the limit price.
    ///
    /// - Parameters:
    ///   - levels: the book side to take from, best first (as it was at detection time + the copy delay).
    ///   - side: our side.
    ///   - shares: order size.
    ///   - limit: worst acceptable price.
    ///   - fees: the market's fee schedule; a paper order takes liquidity, so every level taken pays the taker fee,
    ///     computed per level (each match is charged on its own, as the venue does) and summed.
    ///   - whalePrice: the whales' average price, for the copy-delay cost.
    /// - Returns: nil when a level's fee cannot be computed (a price outside 0…1): the order is not filled on a guess.
    public static func walk(
        levels: [PaperLevel], side: TradeSide, shares: Micros, limit: Micros, fees: FeeSchedule, whalePrice: Micros
    )
        -> PaperFill?
    {
        var left = shares
        var fills: [PaperLevel] = []
        var notional = Micros.zero
        var fee = Micros.zero
        for level in levels where left > .zero {
            guard side == .buy ? level.price <= limit : level.price >= limit else { break }
            let take = min(left, level.size)
            guard take > .zero else { continue }
            fills.append(PaperLevel(price: level.price, size: take))
            notional += take.multiplied(by: level.price)
            guard let levelFee = fees.takerFee(shares: take, price: level.price) else { return nil }
            fee += levelFee
            left -= take
        }
        let filled = shares - left
        let whaleNotional = filled.multiplied(by: whalePrice)
        let delayCost = side == .buy ? notional - whaleNotional : whaleNotional - notional
        return PaperFill(
            fills: fills, filledShares: filled, notional: notional, fee: fee, remaining: left, copyDelayCost: delayCost)
    }
}
