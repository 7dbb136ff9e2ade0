import Foundation
import PolybotCore
import Testing

/// A filled, resolved copy in its own event: `shares` bought at `price` with `fee` per share.
func copy(
    _ i: Int, price: Double, won: Bool, shares: Double = 100, feePerShare: Double = 0, event: String? = nil,
    market: String? = nil
) -> CopyPosition {
    CopyPosition(
        time: Int64(i), market: market ?? "m\(i)", event: event ?? "e\(i)", token: "t\(market ?? "m\(i)")",
        wallets: [], whalePrice: price, limit: price, sharesOrdered: shares, shares: shares, cost: shares * price,
        fee: shares * feePerShare, shortfall: nil, won: won)
}

/// The verdict's three tests: their arithmetic, their error rate on zero-edge favourites and their power.
@Suite("Copy verdict")
struct CopyVerdictTests {
    @Test func theClusterTailIsExactAndTheSaddlepointFollowsIt() {
        // Three clusters: enumerate all 2 × 3 × 2 outcomes by hand.
        let clusters: [[ClusterTail.Atom]] = [
            [.init(value: -1, probability: 0.3), .init(value: 2, probability: 0.7)],
            [.init(value: 0, probability: 0.2), .init(value: 1, probability: 0.5), .init(value: 3, probability: 0.3)],
            [.init(value: -2, probability: 0.9), .init(value: 5, probability: 0.1)],
        ]
        for observed in [-3.0, 0, 1.5, 4, 6, 10] {
            var brute = 0.0
            for a in clusters[0] {
                for b in clusters[1] {
                    for c in clusters[2] where a.value + b.value + c.value >= observed - 1e-9 {
                        brute += a.probability * b.probability * c.probability
                    }
                }
            }
            #expect(abs(ClusterTail.pValue(clusters, observed: observed) - brute) < 1e-9, "observed \(observed)")
        }
        #expect(ClusterTail.pValue(clusters, observed: 10.5) == 0)
        // Forty two-point clusters at 0.9: the saddlepoint against the exact tail, in the tail that matters.
        let many = (0..<40).map { i -> [ClusterTail.Atom] in
            let s = 1 + Double(i % 7) / 3
            return [.init(value: -0.9 * s, probability: 0.1), .init(value: 0.1 * s, probability: 0.9)]
        }
        for observed in [1.0, 2.0, 3.0] {
            let exact = ClusterTail.exact(many, observed: observed)!
            let approx = ClusterTail.saddlepoint(many, observed: observed)
            // Conservative (a continuity correction of half a step) and within a factor of 2.5.
            #expect(
                approx >= exact * 0.95 && approx <= max(exact * 2.5, exact + 0.01), "\(observed): \(approx) vs \(exact)"
            )
        }
    }

    @Test func tenFavouritesThatAllWonAreNoEvidence() {
        // The scorer's standard: ten 95 ¢ winners happen with probability 0.95¹⁰ ≈ 0.60 without skill.
        let ten = (0..<10).map { copy($0, price: 0.95, won: true) }
        let t = EventTest.of(ten)
        #expect(abs(t.pValue - pow(0.95, 10)) < 1e-6 && !t.significant)
        // Twelve markets at +10 % each (bought at 0.909, all won): p = 0.909¹² ≈ 0.32 — not evidence either.
        let twelve = (0..<12).map { copy($0, price: 0.909, won: true) }
        let twelveTest = EventTest.of(twelve)
        #expect(abs((twelveTest.returnOnCost ?? 0) - 0.1001) < 1e-3 && !twelveTest.significant)
        // Nine events can never be significant, however they went.
        let nine = (0..<9).map { copy($0, price: 0.2, won: true) }
        #expect(EventTest.of(nine).pValue < 1e-5 && !EventTest.of(nine).significant)
    }

    @Test func marketsOfOneEventAreOneCluster() {
        // Twelve longshot winners in one event: one independent event, never significant.
        let one = (0..<12).map { copy($0, price: 0.2, won: true, event: "election-night") }
        let t = EventTest.of(one)
        #expect(t.events == 1 && t.markets == 12 && !t.significant)
        // Comonotone: the event is worth "the k likeliest won" — here all twelve at 0.2 together, p = 0.2.
        #expect(abs(t.pValue - 0.2) < 1e-9)
    }

    @Test func aLockedGainAndMutuallyExclusiveLegsAreNoEvidence() {
        // Both sides held at prices adding to less than 1 (125 YES at 0.40, 111 NO at 0.45): a gain whatever happens,
        // which the null takes for certain — twelve such markets are no evidence of skill.
        let locked = (0..<12).flatMap { i -> [CopyPosition] in
            var yes = copy(i, price: 0.40, won: true, shares: 125)
            yes.token = "yes\(i)"
            var no = copy(i, price: 0.45, won: false, shares: 111)
            no.token = "no\(i)"
            return [yes, no]
        }
        let l = EventTest.of(locked)
        #expect(l.events == 12 && (l.returnOnCost ?? 0) > 0 && !l.significant && l.pValue > 0.5)
        // A neg-risk set bought on all ten outcomes at 0.10 each: exactly one wins, the sum is fixed. The comonotone
        // law alone would put its tail at 0.1 per event; the independent law's is taken too.
        let exclusive = (0..<12).flatMap { e in
            (0..<10).map { k in
                copy(e * 10 + k, price: 0.10, won: k == e % 10, event: "set\(e)", market: "s\(e)m\(k)")
            }
        }
        let x = EventTest.of(exclusive)
        #expect(x.events == 12 && x.markets == 120 && !x.significant && x.pValue > 0.3, "p \(x.pValue)")
    }

    @Test func theBreakEvenNullCountsTheFee() {
        // 20 events bought at 0.5 winning 14: before fees p ≈ 0.058; a 3 ¢ fee per share makes it weaker still.
        let ps = (0..<20).map { copy($0, price: 0.5, won: $0 < 14) }
        let feeFree = EventTest.of(ps)
        let withFee = EventTest.of(
            ps.map {
                var p = $0
                p.fee = p.shares * 0.03
                return p
            })
        #expect(withFee.pValue > feeFree.pValue)
        // Exact binomial P(X ≥ 14 of 20 at ½) = 0.0577; past the exact limit the saddlepoint is a little above it.
        #expect(feeFree.pValue >= 0.0577 && feeFree.pValue < 0.065)
    }

    /// One simulated basket of `events` one-market events, prices uniform in `prices`, each won with probability
    /// price + `edge`, paying the 2026 politics fee (0.04 × p(1 − p) per share).
    static func basket(
        _ rng: inout SplitMix64, events: Int, prices: ClosedRange<Double>, edge: Double
    ) -> [CopyPosition] {
        (0..<events).map { i in
            let p = ((prices.lowerBound + (prices.upperBound - prices.lowerBound) * rng.unit()) * 100).rounded() / 100
            return copy(i, price: p, won: rng.unit() < p + edge, feePerShare: 0.04 * p * (1 - p))
        }
    }

    /// The reference: a plain one-sample t-test on the events' returns (what a spreadsheet would do).
    static func plainT(_ ps: [CopyPosition]) -> Bool {
        let r = ps.map { $0.pnl() / $0.paid() }
        let n = Double(r.count)
        let mean = r.reduce(0, +) / n
        let sd = (r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        guard sd > 0 else { return mean > 0 }
        return mean / (sd / n.squareRoot()) > OutcomeProbability.studentT(0.95, degreesOfFreedom: n - 1)
    }

    @Test func errorRateOnZeroEdgeFavouritesAndPowerOnSkill() {
        var rng = SplitMix64(seed: 28)
        let runs = 2_000
        var lines: [String] = []
        for events in [10, 15, 20] {
            var ours = 0
            var plain = 0
            var losing = 0
            for _ in 0..<runs {
                let b = Self.basket(&rng, events: events, prices: 0.80...0.97, edge: 0)
                ours += EventTest.of(b).significant ? 1 : 0
                plain += Self.plainT(b) ? 1 : 0
                // A basket losing 2 points after fees: wins with probability price − 0.02.
                losing +=
                    EventTest.of(Self.basket(&rng, events: events, prices: 0.80...0.97, edge: -0.02)).significant
                    ? 1 : 0
            }
            let rate = Double(ours) / Double(runs)
            lines.append(
                String(
                    format:
                        "zero-edge favourites, %d events: event test %.2f %%, plain t %.2f %%; losing 2 points: %.2f %%",
                    events, rate * 100, Double(plain) / Double(runs) * 100, Double(losing) / Double(runs) * 100))
            #expect(rate <= EventTest.alpha, "\(events) events: \(rate)")
            #expect(Double(losing) / Double(runs) <= EventTest.alpha)
        }
        // Power: 40 events at 30–70 ¢ beating the price by 15 points.
        var ours = 0
        var plain = 0
        for _ in 0..<runs {
            let b = Self.basket(&rng, events: 40, prices: 0.30...0.70, edge: 0.15)
            ours += EventTest.of(b).significant ? 1 : 0
            plain += Self.plainT(b) ? 1 : 0
        }
        lines.append(
            String(
                format: "power, 40 events at 30–70 ¢, +15 points: event test %.1f %%, plain t %.1f %%",
                Double(ours) / Double(runs) * 100, Double(plain) / Double(runs) * 100))
        print(lines.joined(separator: "\n"))
        // A return's standard deviation near 1 per event at mid prices: 15 points over 40 events is z ≈ 0.95 before
        // the fee, about an even chance for any honest test. Ours must not give away power to the plain t-test,
        // which buys its power with a 28 % error rate on the favourites above.
        #expect(Double(ours) / Double(runs) >= 0.45)
        #expect(Double(ours) >= 0.9 * Double(plain))
    }

    @Test func pairedAndRankTests() {
        // The basket won where copying every whale on the same markets also bought the losing side.
        let main = (0..<12).map { copy($0, price: 0.5, won: true) }
        let both = (0..<12).flatMap { i in
            [copy(i, price: 0.5, won: true), copy(i, price: 0.5, won: false, market: "m\(i)")]
        }
        let paired = PairedTest.of(main: main, baseline: both)
        #expect(paired.events == 12 && paired.significant && abs(paired.pValue - 1 / 4096) < 1e-12)
        #expect(!PairedTest.of(main: main, baseline: main).significant)
        // Ranked by evidence, not return: a random basket returning +100 % with p = 0.3 (three lucky copies) does
        // not outrank a walk-forward returning +20 % with p = 0.001.
        var randoms: [(returnOnCost: Double, eventP: Double)] = []
        for i in 0..<200 { randoms.append((i == 0 ? 1.0 : Double(i) / 1_000, 0.3 + Double(i) / 1_000)) }
        let rank = RankTest.of(main: (0.2, 0.001), randoms: randoms, randomsPassing: 3)
        #expect(rank.significant && abs(rank.pValue - 1 / 201) < 1e-12 && rank.ownTestPassShare == 0.015)
        #expect((rank.p95 ?? 0) < 1 && rank.mainEventP == 0.001 && rank.randomEventP5 == 0.31)
        #expect(!RankTest.of(main: (0.2, 0.001), randoms: Array(randoms.prefix(199)), randomsPassing: 0).significant)
        // A walk-forward that copied nothing (p = 1) ranks with every empty random basket: never significant.
        let empty = [(returnOnCost: Double, eventP: Double)](repeating: (0, 1), count: 200)
        #expect(!RankTest.of(main: (0, 1), randoms: empty, randomsPassing: 0).significant)
        let verdict = CopyVerdict(eventTest: EventTest.of(main), paired: paired, rank: rank)
        #expect(verdict.edgeSignificant == (EventTest.of(main).significant && paired.significant && rank.significant))
        #expect(verdict.sentence.hasPrefix(verdict.edgeSignificant ? "edge after fees" : "no evidence of edge"))
    }

    @Test func drawdownAndCopyabilityWithItsInterval() {
        let d = Drawdown.maximum([100, 120, 90, 130, 65, 70])
        #expect(d.amount == 65 && d.fraction == 0.5)
        let w = Address("0x" + String(repeating: "ab", count: 20))!
        func entry(_ whale: Double, _ ours: Double, fee: Double, won: Bool, event: Int = 0) -> CopyPosition {
            var p = copy(event, price: ours, won: won, feePerShare: fee)
            p.whalePrice = whale
            p.wallets = [w]
            return p
        }
        // They paid 0.50, we paid 0.55 and 0.01 fee per share; the token won: their edge 0.5, ours 0.44.
        let c = Copyability.perWallet([entry(0.5, 0.55, fee: 0.01, won: true)])
        #expect(c.count == 1 && abs(c[0].keptEdge - 0.44) < 1e-9 && !c[0].uncopyable && c[0].tooFewToJudge)
        #expect(Copyability.perWallet([entry(0.9, 0.99, fee: 0.02, won: true)])[0].uncopyable)
        let twelve = Copyability.perWallet((0..<12).map { entry(0.5, 0.52, fee: 0.01, won: $0 % 3 != 0, event: $0) })[0]
        #expect(
            !twelve.tooFewToJudge && (twelve.keptLow ?? 1) < twelve.keptEdge && twelve.keptEdge < (twelve.keptHigh ?? 0)
        )
    }
}
