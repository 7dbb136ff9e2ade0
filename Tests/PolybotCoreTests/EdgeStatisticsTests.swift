import Foundation
import PolybotCore
import Testing

/// The edge test's arithmetic: sandwich and no-edge variances, the saddlepoint tail against exact binomials, BH.
@Suite("Edge statistics")
struct EdgeStatisticsTests {
    /// `n` markets, one $1 buy of slot 0 at `price` in each, the first `wins` won.
    func markets(_ n: Int, price: Double, wins: Int) -> [(bets: MarketBets, slot0Won: Bool)] {
        (0..<n).map { i in
            var b = MarketBets()
            b.add(weight: 1, long: true, impliedProbability: price)
            return (b, i < wins)
        }
    }

    /// P(Binomial(n, p) ≥ k).
    func binomialTail(_ n: Int, _ p: Double, _ k: Int) -> Double {
        var total = 0.0
        for j in k...n {
            let logChoose: Double = lgamma(Double(n + 1)) - lgamma(Double(j + 1)) - lgamma(Double(n - j + 1))
            let logTerm: Double = logChoose + Double(j) * log(p) + Double(n - j) * log(1 - p)
            total += exp(logTerm)
        }
        return total
    }

    @Test(arguments: [(0.1, 20, 5), (0.1, 20, 7), (0.05, 40, 7), (0.5, 30, 22), (0.9, 30, 30), (0.3, 100, 45)])
    func tailMatchesTheExactBinomialWithoutUnderstatingIt(price: Double, n: Int, wins: Int) throws {
        let e = try #require(EdgeEstimate.estimate(markets(n, price: price, wins: wins)))
        let exact = binomialTail(n, price, wins)
        // Never optimistic beyond 10 % of the exact tail (the normal approximation is off by 5× for longshots), and
        // not needlessly conservative.
        #expect(e.pValue >= 0.9 * exact, "p \(e.pValue) vs exact \(exact)")
        #expect(e.pValue <= 2.5 * exact, "p \(e.pValue) vs exact \(exact)")
    }

    @Test func favouritesThatAllWonAreNoEvidence() throws {
        // Ten 95¢ favourites, all won: the sample variance is 0, the no-edge variance is not.
        let e = try #require(EdgeEstimate.estimate(markets(10, price: 0.95, wins: 10)))
        #expect(abs(e.edge - 0.05) < 1e-12)
        #expect(abs(e.standardError - (10 * 0.95 * 0.05).squareRoot() / 10) < 1e-12)
        #expect(abs(e.pValue - pow(0.95, 10)) < 1e-12)  // only "all ten won" reaches it: 0.95¹⁰
    }

    @Test func betsOnBothSidesAreJudgedAtThePricesPaid() throws {
        // Buy Yes at 0.50 and No at 0.49 in each of 10 markets: 1¢ locked in per share pair, whatever the outcome.
        let resolved: [(bets: MarketBets, slot0Won: Bool)] = (0..<10).map { i in
            var b = MarketBets()
            b.add(weight: 0.5, long: true, impliedProbability: 0.5)
            b.add(weight: 0.49, long: false, impliedProbability: 0.51)
            return (b, i % 2 == 0)
        }
        let e = try #require(EdgeEstimate.estimate(resolved))
        #expect(e.edge > 0)  // the locked-in cent
        #expect(e.pValue > 0.05)  // … is expected under "no skill": not evidence of it
    }

    @Test func clusteredByMarket() throws {
        // 50 buys in one market that won count as one draw: the effective number of markets is 1.
        var one = MarketBets()
        for _ in 0..<50 { one.add(weight: 1, long: true, impliedProbability: 0.5) }
        let e = try #require(EdgeEstimate.estimate([(one, true)]))
        #expect(e.markets == 1 && abs(e.effectiveMarkets - 1) < 1e-12)
        #expect(e.pValue >= 0.5)  // one coin flip
    }

    @Test func benjaminiHochbergMatchesTheTextbook() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
        let q = FalseDiscovery.qValues([0.01, 0.04, 0.03, 0.005])
        for (a, b) in zip(q, [0.02, 0.04, 0.04, 0.02]) { #expect(abs(a - b) < 1e-12) }
        #expect(FalseDiscovery.qValues([]) == [])
        #expect(FalseDiscovery.qValues([0.9, 1]) == [1, 1])
    }
}
