/// Why we sell (or settle) a position.
public enum ExitReason: String, Sendable, Hashable, Codable, CaseIterable {
    case takeProfit = "take_profit"
    case stopLoss = "stop_loss"
    /// A whale whose buy we copied sold: we sell the same share of our position.
    case whaleSold = "whale_sold"
    /// The market resolved.
    case settled
}

/// Exit rules over a position and its mark (pure; the position tracker acts on them).
public struct ExitRules: Sendable, Hashable, Codable {
    /// Sell everything when the mark is this far above the average entry price, basis points (nil = off).
    public var takeProfitBps: Int?
    /// Sell everything when the mark is this far below the average entry price, basis points (nil = off).
    public var stopLossBps: Int?
    /// Mirror the copied whales' sells.
    public var mirrorWhaleSells: Bool
    /// After a stop-loss, no new entry in that market for this long (seconds; 0 = none).
    public var cooldownAfterStopSeconds: Int64

    /// Creates rules; by default only whale sells are mirrored, and a stop-loss locks its market for 24 h.
    public init(
        takeProfitBps: Int? = nil, stopLossBps: Int? = nil, mirrorWhaleSells: Bool = true,
        cooldownAfterStopSeconds: Int64 = 86_400
    ) {
        self.takeProfitBps = takeProfitBps
        self.stopLossBps = stopLossBps
        self.mirrorWhaleSells = mirrorWhaleSells
        self.cooldownAfterStopSeconds = cooldownAfterStopSeconds
    }

    /// Take-profit or stop-loss at this mark, if either is on and crossed.
    public func priceExit(_ p: Position, mark: Micros) -> ExitReason? {
        guard p.status == .open, p.size > .zero, p.averagePrice > .zero else { return nil }
        let avg = Int128(p.averagePrice.raw)
        if let tp = takeProfitBps, Int128(mark.raw) * 10_000 >= avg * Int128(10_000 + tp) { return .takeProfit }
        if let sl = stopLossBps, Int128(mark.raw) * 10_000 <= avg * Int128(max(0, 10_000 - sl)) { return .stopLoss }
        return nil
    }

    /// Shares to sell when one of the `agreeing` whales behind our entry sells `whaleSold` of the `whaleBought`
    /// shares it had bought: each whale stands for 1/agreeing of the entry, and we sell the same share of that
    /// part as it sold of its own. Floored to the 0.01-share lot and never more than we hold.
    public static func mirroredShares(
        entryShares: Micros, held: Micros, whaleSold: Micros, whaleBought: Micros, agreeing: Int
    ) -> Micros {
        guard agreeing > 0, whaleBought > .zero, whaleSold > .zero, held > .zero else { return .zero }
        let fraction = min(Int128(whaleSold.raw), Int128(whaleBought.raw))
        let raw = (Int128(entryShares.raw) * fraction) / (Int128(whaleBought.raw) * Int128(agreeing))
        let lots = (raw / 10_000) * 10_000
        return Micros(Int64(min(lots, Int128(held.raw))))
    }
}
