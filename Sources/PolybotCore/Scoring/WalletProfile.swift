import Foundation

/// A wallet's record drawn for its profile page: the equity of its resolved positions, its calibration (price paid
/// against how often that side won), a category breakdown and an hour × weekday activity grid.
///
/// Pure and point in time: built from the wallet's trades and the resolutions known at `asOf` (a resolution with a
/// time after `asOf` is not used; an undated one counts, as in scoring: it is known now).
public struct WalletProfile: Sendable, Hashable {
    /// Cumulative realised PnL after each position that ended (sold out or settled), in order of its end.
    public struct EquityPoint: Sendable, Hashable {
        public var time: Int64
        public var conditionId: String
        /// This position's realised PnL.
        public var pnl: Micros
        /// Σ realised PnL up to and including it.
        public var cumulative: Micros
    }

    /// One price bucket of the calibration plot: positions bought in this price range on resolved markets.
    public struct CalibrationBucket: Sendable, Hashable {
        /// The bucket's range of average price paid, [lower, upper).
        public var lower: Double
        public var upper: Double
        /// Positions (one per token bought) in the bucket.
        public var positions: Int
        /// Their mean average price paid: what the market said the chance was.
        public var meanPrice: Double
        /// How often the token bought won.
        public var winRate: Double
        /// Wilson 95 % interval of the win rate.
        public var winRateLow: Double
        public var winRateHigh: Double
    }

    /// One category's share of the wallet's activity and results.
    public struct CategoryLine: Sendable, Hashable {
        public var category: String
        public var trades: Int
        public var volume: Micros
        /// Positions that ended (sold out or settled) in this category, and how many made money.
        public var closedPositions: Int
        public var wins: Int
        public var realizedPnl: Micros
    }

    public var equity: [EquityPoint]
    public var calibration: [CalibrationBucket]
    public var categories: [CategoryLine]
    /// Trades by UTC weekday (0 = Monday … 6 = Sunday) and hour (0–23): `activity[weekday][hour]`.
    public var activity: [[Int]]
    /// Resolved positions the calibration is built on.
    public var calibratedPositions: Int

    /// Builds the profile.
    ///
    /// - Parameters:
    ///   - trades: the wallet's trades (any order).
    ///   - resolutions: resolutions by condition id; those resolved after `asOf` are ignored.
    ///   - categories: each market's category (absent: "other").
    ///   - asOf: the time the profile is drawn at.
    ///   - buckets: calibration buckets over [0, 1].
    public static func build(
        trades: [Trade], resolutions: [String: MarketResolution], categories: [String: String], asOf: Int64,
        buckets: Int = 10
    ) -> WalletProfile {
        let known = resolutions.filter { $0.value.isKnown(at: asOf) }
        let before = trades.filter { $0.timestamp <= asOf }.sorted {
            ($0.timestamp, $0.transactionHash) < ($1.timestamp, $1.transactionHash)
        }
        let closed = PositionLedger(trades: before, resolutions: known).closed.sorted {
            ($0.closedAt, $0.asset) < ($1.closedAt, $1.asset)
        }
        var running = Micros.zero
        let equity = closed.map { c -> EquityPoint in
            running += c.realized
            return EquityPoint(time: c.closedAt, conditionId: c.conditionId, pnl: c.realized, cumulative: running)
        }

        // Calibration: one point per token bought on a resolved market, at its cost-weighted average buy price.
        var bought: [String: (conditionId: String, cost: Int64, shares: Int64)] = [:]
        for t in before where t.side == .buy {
            var b = bought[t.asset] ?? (t.conditionId, 0, 0)
            b.cost += t.notional.raw
            b.shares += t.size.raw
            bought[t.asset] = b
        }
        var sums = [(n: Int, price: Double, wins: Int)](repeating: (0, 0, 0), count: max(1, buckets))
        var calibrated = 0
        for (asset, b) in bought where b.shares > 0 {
            guard let r = known[b.conditionId], let winner = r.winningToken else { continue }
            let price = Double(b.cost) / Double(b.shares)
            let i = min(sums.count - 1, max(0, Int(price * Double(sums.count))))
            sums[i].n += 1
            sums[i].price += price
            sums[i].wins += asset == winner ? 1 : 0
            calibrated += 1
        }
        let calibration = sums.enumerated().compactMap { i, s -> CalibrationBucket? in
            guard s.n > 0 else { return nil }
            let (low, high) = wilson(wins: s.wins, n: s.n)
            return CalibrationBucket(
                lower: Double(i) / Double(sums.count), upper: Double(i + 1) / Double(sums.count), positions: s.n,
                meanPrice: s.price / Double(s.n), winRate: Double(s.wins) / Double(s.n), winRateLow: low,
                winRateHigh: high)
        }

        var lines: [String: CategoryLine] = [:]
        func category(_ conditionId: String) -> String {
            let c = categories[conditionId] ?? ""
            return c.isEmpty ? "other" : c
        }
        var activity = [[Int]](repeating: [Int](repeating: 0, count: 24), count: 7)
        for t in before {
            let c = category(t.conditionId)
            var line =
                lines[c]
                ?? CategoryLine(category: c, trades: 0, volume: .zero, closedPositions: 0, wins: 0, realizedPnl: .zero)
            line.trades += 1
            line.volume += t.notional
            lines[c] = line
            // 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
            let day = Int((t.timestamp / 86_400 + 3) % 7 + 7) % 7
            let hour = Int((t.timestamp % 86_400 + 86_400) % 86_400 / 3_600)
            activity[day][hour] += 1
        }
        for c in closed {
            let name = category(c.conditionId)
            var line =
                lines[name]
                ?? CategoryLine(
                    category: name, trades: 0, volume: .zero, closedPositions: 0, wins: 0, realizedPnl: .zero)
            line.closedPositions += 1
            line.wins += c.isWin ? 1 : 0
            line.realizedPnl += c.realized
            lines[name] = line
        }
        let categoryLines = lines.values.sorted {
            $0.volume != $1.volume ? $0.volume > $1.volume : $0.category < $1.category
        }
        return WalletProfile(
            equity: equity, calibration: calibration, categories: categoryLines, activity: activity,
            calibratedPositions: calibrated)
    }

    /// Wilson score interval at 95 % for `wins` of `n`.
    public static func wilson(wins: Int, n: Int, z: Double = 1.96) -> (Double, Double) {
        guard n > 0 else { return (0, 1) }
        let p = Double(wins) / Double(n)
        let nn = Double(n)
        let denominator = 1 + z * z / nn
        let centre = (p + z * z / (2 * nn)) / denominator
        let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / denominator
        return (max(0, centre - half), min(1, centre + half))
    }
}
