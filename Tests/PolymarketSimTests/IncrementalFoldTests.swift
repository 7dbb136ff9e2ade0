import Foundation
import PolybotCore
import PolymarketSim
import Testing

/// Issue 32: a fold saved after one night's scores and continued the next night with only the trades since gives the
/// same scores, bit for bit, as a full re-fold of the whole history — and says when it cannot.
@Suite("Incremental scoring fold")
struct IncrementalFoldTests {
    struct World {
        var trades: [Trade]
        var resolutions: [String: MarketResolution]
        var start: Int64
        var span: Int64
    }

    /// A generated history whose markets resolve one after another across the span (every seventh without a time),
    /// so both nights see resolutions, trades after a resolution, and markets still open.
    ///
    /// With `lateWinners`, the winning token of each market without a resolution time is first traded only from that
    /// time on: the fold knows such a market's winner before anyone bought it.
    static func world(seed: UInt64, lateWinners: Int64? = nil) -> World {
        var options = TradeHistoryGenerator.Options(
            trades: 40_000, wallets: 200, markets: 120, seed: seed, span: 20 * 86_400, informedShare: 0.1)
        options.marketsPerEvent = 1
        let g = TradeHistoryGenerator(options: options)
        var trades: [Trade] = []
        g.generate { trades.append($0) }
        trades = trades.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }
            .map(\.element)
        var resolutions: [String: MarketResolution] = [:]
        let n = Int64(g.markets.count)
        for (i, m) in g.markets.enumerated() {
            let at = g.options.start + g.options.span * Int64(i + 1) / (n + 1)
            resolutions[m.conditionId] = MarketResolution(
                conditionId: m.conditionId, winningToken: m.tokens[m.winner], resolvedAt: i % 7 == 3 ? nil : at,
                tokens: m.tokens)
        }
        if let late = lateWinners {
            let held = Set(resolutions.values.filter { $0.resolvedAt == nil }.compactMap(\.winningToken))
            trades.removeAll { held.contains($0.asset) && $0.timestamp < late }
        }
        return World(trades: trades, resolutions: resolutions, start: g.options.start, span: g.options.span)
    }

    /// Night one: a full fold with its looks up to `t0`, saved.
    static func firstNight(_ w: World, t0: Int64, resolutions: [String: MarketResolution]? = nil) -> [UInt8] {
        var night = RepeatedLookFold(
            ScoreFold(resolutions: resolutions ?? w.resolutions, undatedResolutionsKnown: true), now: t0)
        for t in w.trades where t.timestamp < t0 { night.add(t) }
        _ = night.finish()
        return night.fold.checkpoint()
    }

    /// The first wallet whose result differs, with both scores (nil when all agree).
    static func firstDifference(_ a: [WalletScoring.Result], _ b: [WalletScoring.Result]) -> String? {
        guard a.count == b.count else { return "\(a.count) results against \(b.count)" }
        for (x, y) in zip(a, b)
        where x.score != y.score || x.features != y.features || x.oversoldTrades != y.oversoldTrades {
            let fields = zip(Mirror(reflecting: x.score).children, Mirror(reflecting: y.score).children)
                .filter { "\($0.value)" != "\($1.value)" }.map { "\($0.label ?? ""): \($0.value) against \($1.value)" }
            return "\(x.score.wallet): \(fields.joined(separator: "; "))"
        }
        return nil
    }

    @Test(arguments: [(UInt64(3), Int64(86_400)), (UInt64(7), Int64(2 * 86_400 + 59))])
    func aContinuedFoldAgreesWithAFullFold(seed: UInt64, nights: Int64) throws {
        // Not on a day boundary; the second night exactly one look spacing later (its first look is the checkpoint's
        // snapshot), or more.
        let start = Self.world(seed: seed).start
        let span = Self.world(seed: seed).span
        let t0 = start + span * 3 / 4 + 3_607
        let t1 = t0 + nights
        let w = Self.world(seed: seed, lateWinners: t0 + 3_600)
        let bytes = Self.firstNight(w, t0: t0)
        let restored = try ScoreFold(checkpoint: bytes, resolutions: w.resolutions, undatedResolutionsKnown: true)
        #expect(restored.resumeObstacle() == nil)
        #expect(RepeatedLookFold.obstacle(restored, now: t1) == nil)
        #expect(restored.checkpoint().count == bytes.count)
        var night = RepeatedLookFold(restored, now: t1)
        for t in w.trades where t.timestamp >= t0 && t.timestamp < t1 { night.add(t) }
        let incremental = night.finish()
        let full = WalletScoring.scoreAll(
            trades: w.trades.filter { $0.timestamp < t1 }, resolutions: w.resolutions, now: t1)
        #expect(incremental.count == full.count)
        #expect(Self.firstDifference(incremental, full) == nil)
        // The history has what makes the comparison worth making: wallets passing the edge test, tested wallets, settled
        // positions.
        #expect(
            full.contains {
                $0.score.walletClass == .informed
                    || $0.score.classBasis?.rule.hasPrefix(WalletScoring.candidateRule) == true
            })
        #expect(full.filter { $0.score.qValue != nil }.count > 50)
        #expect(full.contains { $0.score.closedPositions > 0 && $0.score.openPositions > 0 })
    }

    @Test func aFoldThatCannotAgreeSaysWhy() throws {
        let w = Self.world(seed: 5)
        let t0 = w.start + w.span / 2 + 11
        let bytes = Self.firstNight(w, t0: t0)
        // The next look would be before the saved snapshot: a rescore an hour after the nightly one.
        let restored = try ScoreFold(checkpoint: bytes, resolutions: w.resolutions, undatedResolutionsKnown: true)
        #expect(RepeatedLookFold.obstacle(restored, now: t0 + 3_600) != nil)
        // A resolution learnt after night one, dated before trades night one folded as bets.
        let late = w.resolutions.values.filter { ($0.resolvedAt ?? .max) < t0 - 86_400 }
        var earlier = w.resolutions
        for r in late { earlier[r.conditionId] = nil }
        let partial = Self.firstNight(w, t0: t0, resolutions: earlier)
        let moved = try ScoreFold(checkpoint: partial, resolutions: w.resolutions, undatedResolutionsKnown: true)
        #expect(moved.resumeObstacle()?.contains("resolution time moved") == true)
        // A resolution applied on night one that changed since.
        var changed = w.resolutions
        let applied = try #require(late.first)
        changed[applied.conditionId]?.winningToken = applied.tokens.first { $0 != applied.winningToken }
        let flipped = try ScoreFold(checkpoint: bytes, resolutions: changed, undatedResolutionsKnown: true)
        #expect(flipped.resumeObstacle()?.contains("changed after it was applied") == true)
        // Other parameters, another undated rule, or damaged bytes are refused outright.
        var other = ScoringParameters()
        other.falseDiscoveryRate = 0.05
        #expect(throws: ArchiveReader.Failure.self) {
            try ScoreFold(
                checkpoint: bytes, resolutions: w.resolutions, parameters: other, undatedResolutionsKnown: true)
        }
        #expect(throws: ArchiveReader.Failure.self) {
            try ScoreFold(checkpoint: bytes, resolutions: w.resolutions, undatedResolutionsKnown: false)
        }
        #expect(throws: ArchiveReader.Failure.self) {
            try ScoreFold(
                checkpoint: Array(bytes.dropLast(9)), resolutions: w.resolutions, undatedResolutionsKnown: true)
        }
    }

    @Test func coTradingContinuesFromItsCheckpoint() throws {
        let w = Self.world(seed: 7)
        let t0 = w.start + w.span / 2
        let tracked = Set(w.trades.prefix(2_000).map(\.wallet))
        var whole = CoTrading(tracked: tracked)
        var first = CoTrading(tracked: tracked)
        for t in w.trades {
            whole.add(t)
            if t.timestamp < t0 { first.add(t) }
        }
        var writer = ArchiveWriter()
        writer.write(first)
        var reader = ArchiveReader(writer.bytes)
        var resumed = try CoTrading(unarchiving: &reader)
        #expect(reader.atEnd)
        for t in w.trades where t.timestamp >= t0 { resumed.add(t) }
        let end = w.start + w.span
        #expect(
            resumed.pairCounts.map { "\($0.a)\($0.b)\($0.shared)" }
                == whole.pairCounts.map { "\($0.a)\($0.b)\($0.shared)" })
        #expect(resumed.links(at: end) == whole.links(at: end))
        #expect(!whole.pairCounts.isEmpty)
    }
}
