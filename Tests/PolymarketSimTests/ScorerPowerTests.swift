import Foundation
import PolybotCore
import PolymarketSim
import Testing

/// The informed class against a plain reference, and repeated looks: what the cost-weighted, event-clustered edge
/// test finds compared with a one-point-per-market test at the same FDR, and how often a daily walk-forward names a
/// wallet without skill.
@Suite("Scorer power and repeated looks")
struct ScorerPowerTests {
    /// The reference: one point per resolved market bought (the token with more paid, at its cost-weighted price),
    /// z = Σ (outcome − price) / √Σ price (1 − price), one-sided normal, Benjamini–Hochberg at `fdr` over the wallets
    /// with at least `minimum` resolved markets.
    static func plainTest(
        _ trades: [Trade], resolutions: [String: MarketResolution], before end: Int64, fdr: Double, minimum: Int
    ) -> Set<Address> {
        struct Leg {
            var paid = [String: Double]()
            var shares = [String: Double]()
        }
        var legs: [Address: [String: Leg]] = [:]
        for t in trades where t.side == .buy && t.timestamp < end {
            guard let r = resolutions[t.conditionId], let at = r.resolvedAt, at < end, t.timestamp < at else {
                continue
            }
            legs[t.wallet, default: [:]][t.conditionId, default: Leg()].paid[t.asset, default: 0] +=
                t.notional.doubleValue
            legs[t.wallet, default: [:]][t.conditionId, default: Leg()].shares[t.asset, default: 0] +=
                t.size.doubleValue
        }
        var wallets: [Address] = []
        var pValues: [Double] = []
        for (w, markets) in legs.sorted(by: { $0.key < $1.key }) where markets.count >= minimum {
            var sum = 0.0
            var variance = 0.0
            for (market, leg) in markets.sorted(by: { $0.key < $1.key }) {
                guard let (token, paid) = leg.paid.max(by: { ($0.value, $0.key) < ($1.value, $1.key) }),
                    let shares = leg.shares[token], shares > 0
                else { continue }
                let price = paid / shares
                let won = resolutions[market]?.winningToken == token ? 1.0 : 0.0
                sum += won - price
                variance += price * (1 - price)
            }
            guard variance > 0 else { continue }
            wallets.append(w)
            pValues.append(Normal.upperTail(sum / variance.squareRoot()))
        }
        let q = FalseDiscovery.qValues(pValues)
        return Set(wallets.indices.filter { q[$0] <= fdr }.map { wallets[$0] })
    }

    @Test func theInformedClassFindsAtLeastNinetyPercentOfWhatAPlainTestFinds() {
        let worlds: [(String, WorldGenerator)] = [
            ("skilled 0.08, 150–399 buys", WorldGenerator(options: .init(kind: .skilled(edge: 0.08), seed: 1))),
            ("skilled 0.08, 150–399 buys", WorldGenerator(options: .init(kind: .skilled(edge: 0.08), seed: 3))),
            {
                // Skilled wallets win about 80 % of 30–60 markets.
                var o = WorldGenerator.Options(kind: .skilled(edge: 0.3), seed: 5)
                o.skilledTrades = 30...60
                return ("skilled 0.3, 30–60 buys", WorldGenerator(options: o))
            }(),
        ]
        var lines: [String] = []
        var ours = (hits: 0, false: 0)
        var plain = (hits: 0, false: 0)
        for (name, world) in worlds {
            let end = world.options.start + Int64(world.options.days) * 86_400
            let trades = world.trades()
            // The informed class at its repeated looks (the day before and the end); the reference looks once.
            let results = WorldEvidenceTests.score(world)
            let skilled = Set(world.wallets.filter { $0.persona == .informed }.map(\.address))
            let named = Set(results.filter { $0.score.walletClass == .informed }.map(\.score.wallet))
            let parameters = ScoringParameters()
            let reference = Self.plainTest(
                trades, resolutions: world.resolutions, before: end, fdr: parameters.falseDiscoveryRate,
                minimum: parameters.informedMinResolvedMarkets)
            let a = (named.intersection(skilled).count, named.subtracting(skilled).count)
            let b = (reference.intersection(skilled).count, reference.subtracting(skilled).count)
            ours.hits += a.0
            ours.false += a.1
            plain.hits += b.0
            plain.false += b.1
            lines.append(
                "\(name), seed \(world.options.seed): informed class \(a.0) skilled + \(a.1) false; plain test \(b.0) skilled + \(b.1) false (of \(skilled.count) skilled)"
            )
        }
        print(lines.joined(separator: "\n"))
        #expect(Double(ours.hits) >= 0.9 * Double(plain.hits), "\(ours) vs \(plain)")
        #expect(ours.false <= max(plain.false, 1), "\(ours) vs \(plain)")
    }

    @Test func aDailyWalkForwardRarelyNamesAWalletWithoutSkill() {
        var lines: [String] = []
        var everNamedTotal = 0
        var testedTotal = 0
        for seed: UInt64 in [1, 2] {
            let world = WorldGenerator(options: .init(kind: .null, seed: seed))
            let trades = world.trades()
            var fold = ScoreFold(resolutions: world.resolutions)
            var next = 0
            var everNamed = Set<Address>()
            var everTested = Set<Address>()
            for day in 1...world.options.days {
                let t = world.options.start + Int64(day) * 86_400
                while next < trades.count && trades[next].timestamp < t {
                    fold.add(trades[next])
                    next += 1
                }
                for r in fold.snapshot(asOf: t) {
                    if r.score.qValue != nil { everTested.insert(r.score.wallet) }
                    if r.score.walletClass == .informed { everNamed.insert(r.score.wallet) }
                }
            }
            everNamedTotal += everNamed.count
            testedTotal += everTested.count
            lines.append(
                "null world seed \(seed), \(world.options.days) daily looks: \(everNamed.count) of \(everTested.count) tested wallets ever named informed"
            )
        }
        print(lines.joined(separator: "\n"))
        let share = Double(everNamedTotal) / Double(max(testedTotal, 1))
        #expect(share <= ScoringParameters().falseDiscoveryRate, "share ever named: \(share)")
    }
}
