import Foundation

/// Win-rate and return statistics of a wallet's closed positions, each nil below the minimum sample
/// (``ScoringParameters/minimumSample``): the decayed win rate (half-life from the newest close), the Sharpe ratio of
/// returns on cost, the Kelly fraction from the average win and loss, and the mean return (EV).
struct ClosedPositionStats {
    var decayedWinRate: Double?
    var sharpe: Double?
    var kelly: Double?
    var ev: Double?

    init(_ closed: [ClosedPosition], parameters p: ScoringParameters) {
        let n = closed.count
        let wins = closed.filter(\.isWin).count
        if n >= p.minimumSample {
            // Ages from the newest close: the weights' ratio is the same from any later `now`, so the value depends
            // only on the positions (a snapshot that changed nothing keeps it exactly).
            let newest = closed.map(\.closedAt).max() ?? 0
            var weightSum = 0.0
            var winWeight = 0.0
            for c in closed {
                let w = pow(0.5, Double(newest - c.closedAt) / p.halfLifeSeconds)
                weightSum += w
                if c.isWin { winWeight += w }
            }
            decayedWinRate = weightSum > 0 ? winWeight / weightSum : nil
            let returns = closed.map(\.returnOnCost)
            let mean = returns.reduce(0, +) / Double(n)
            let variance = returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
            sharpe = variance > 0 ? mean / variance.squareRoot() : nil
            ev = mean
            let winning = returns.filter { $0 > 0 }
            let losing = returns.filter { $0 <= 0 }
            let pw = Double(wins) / Double(n)
            if winning.isEmpty {
                kelly = 0
            } else if losing.isEmpty || losing.allSatisfy({ $0 == 0 }) {
                kelly = min(1, max(0, pw))
            } else {
                let ratio =
                    (winning.reduce(0, +) / Double(winning.count)) / abs(losing.reduce(0, +) / Double(losing.count))
                kelly = min(1, max(0, pw - (1 - pw) / ratio))
            }
        }
    }
}
