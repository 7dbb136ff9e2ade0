/// Average-cost accounting of our own positions (architecture.md, "Definitions", applied to our fills).
///
/// A BUY adds shares and their cost (fees included, so the break-even price is honest); a SELL releases the
/// cost of the shares sold pro rata and realises proceeds − released cost − fee; settlement pays 1 per share
/// of the winning token and 0 otherwise.
public enum PositionAccounting {
    /// The result of applying a fill.
    public struct Applied: Sendable, Hashable {
        /// The position after the fill.
        public var position: Position
        /// PnL this fill realised.
        public var realized: Micros
        /// Cost basis the fill added (BUY, positive) or released (SELL, positive).
        public var costChange: Micros
        /// Shares actually applied (a SELL never takes more than is held).
        public var shares: Micros
    }

    /// Applies one fill.
    ///
    /// - Parameters:
    ///   - position: the open position, or a fresh one with size 0.
    ///   - side: our side.
    ///   - shares: shares filled.
    ///   - notional: USDC paid (BUY) or received (SELL), before fees.
    ///   - fee: fee in USDC.
    public static func apply(
        to position: Position, side: TradeSide, shares: Micros, notional: Micros, fee: Micros
    ) -> Applied {
        var p = position
        guard shares > .zero else { return Applied(position: p, realized: .zero, costChange: .zero, shares: .zero) }
        switch side {
        case .buy:
            let added = notional + fee
            p.size += shares
            p.cost += added
            p.averagePrice = average(cost: p.cost, size: p.size)
            p.status = .open
            return Applied(position: p, realized: .zero, costChange: added, shares: shares)
        case .sell:
            let sold = min(shares, p.size)
            guard sold > .zero else { return Applied(position: p, realized: .zero, costChange: .zero, shares: .zero) }
            // Proceeds of the shares we actually held (a SELL beyond the holding cannot happen on our own book,
            // but the numbers stay right if a venue report says so).
            let proceeds =
                sold == shares
                ? notional : Micros(Int64((Int128(notional.raw) * Int128(sold.raw)) / Int128(shares.raw)))
            let released =
                sold == p.size ? p.cost : Micros(Int64((Int128(p.cost.raw) * Int128(sold.raw)) / Int128(p.size.raw)))
            let realized = proceeds - released - fee
            p.size -= sold
            p.cost -= released
            p.realizedPnl += realized
            if p.size == .zero {
                p.status = .closed
                p.cost = .zero
            } else {
                p.averagePrice = average(cost: p.cost, size: p.size)
            }
            return Applied(position: p, realized: realized, costChange: released, shares: sold)
        }
    }

    /// Books the part of an order's trades not booked yet: new shares with their cost and fee go through
    /// ``apply(to:side:shares:notional:fee:)``; a cost or fee that completes trades whose shares are already booked (the
    /// fee became known later, a reconciliation corrected a row) changes the cost basis of an open BUY position, or the
    /// realised PnL of a SELL or of a position already closed.
    public static func applyTrades(
        to position: Position, side: TradeSide, shares: Micros, notional: Micros, fee: Micros
    ) -> Applied {
        if shares > .zero { return apply(to: position, side: side, shares: shares, notional: notional, fee: fee) }
        var p = position
        if shares < .zero {
            // A reconciliation found fewer shares than we booked: a BUY gives them back at the corrected cost; a SELL
            // returns them to the position and its corrected proceeds and fee to the realised PnL (the released basis
            // of shares not sold stays as it was booked: reported loudly by the reconciliation, not guessed).
            p.size = max(.zero, p.size + (side == .buy ? shares : Micros.zero - shares))
            if side == .buy {
                p.cost += notional + fee
                p.averagePrice = average(cost: p.cost, size: p.size)
                return Applied(position: p, realized: .zero, costChange: notional + fee, shares: shares)
            }
            p.status = .open
            p.realizedPnl += notional - fee
            return Applied(position: p, realized: notional - fee, costChange: .zero, shares: shares)
        }
        switch side {
        case .buy where p.status == .open:
            p.cost += notional + fee
            p.averagePrice = average(cost: p.cost, size: p.size)
            return Applied(position: p, realized: .zero, costChange: notional + fee, shares: .zero)
        case .buy:
            let realized = Micros.zero - notional - fee
            p.realizedPnl += realized
            return Applied(position: p, realized: realized, costChange: .zero, shares: .zero)
        case .sell:
            let realized = notional - fee
            p.realizedPnl += realized
            return Applied(position: p, realized: realized, costChange: .zero, shares: .zero)
        }
    }

    /// Settles the rest of a position at resolution: 1 USDC per share when `won`, else 0.
    public static func settle(_ position: Position, won: Bool) -> Applied {
        var p = position
        let payout = won ? p.size : .zero
        let realized = payout - p.cost
        let released = p.cost
        let shares = p.size
        p.realizedPnl += realized
        p.markPrice = won ? .one : .zero
        p.size = .zero
        p.cost = .zero
        p.status = .settled
        return Applied(position: p, realized: realized, costChange: released, shares: shares)
    }

    /// cost / size on the micro grid, clamped to [0, 1].
    public static func average(cost: Micros, size: Micros) -> Micros {
        guard size > .zero else { return .zero }
        let v = (Int128(cost.raw) * Int128(Micros.scale)) / Int128(size.raw)
        return Micros(Int64(min(max(v, 0), Int128(Micros.scale))))
    }
}
