import PolybotCore
import PolybotTestSupport
import PolymarketSim
import Testing

/// The scorer and classifier against a generated history whose personas are known.
@Suite("Scoring finds the planted personas")
struct PlantedPersonaTests {
    @Test func skilledWalletsRankFirstAndMakersAndBotsAreLabelled() async throws {
        // One market per event slug: this generator draws every outcome on its own, and the scorer treats markets
        // that share a slug as one draw.
        var options = TradeHistoryGenerator.Options(trades: 80_000, wallets: 3_000, markets: 160, seed: 2026)
        options.marketsPerEvent = 1
        let generator = TradeHistoryGenerator(options: options)
        var trades: [Trade] = []
        generator.generate { trades.append($0) }
        var resolutions: [String: MarketResolution] = [:]
        for m in generator.markets {
            resolutions[m.conditionId] = MarketResolution(
                conditionId: m.conditionId, winningToken: m.tokens[m.winner],
                resolvedAt: generator.options.start + generator.options.span, tokens: m.tokens)
        }
        let persona = Dictionary(uniqueKeysWithValues: generator.wallets.map { ($0.address, $0.persona) })
        let scoredTrades = trades
        let scoredResolutions = resolutions
        // A day after every market resolved: the repeated-look rule's earlier look (a day before) sees them too.
        let scoredAt = generator.options.start + generator.options.span + 1 + 86_400
        // Off the cooperative pool: 80,000 trades scored twice take long enough to starve other tests' tasks.
        let results = try await offPool {
            WalletScoring.scoreAll(trades: scoredTrades, resolutions: scoredResolutions, now: scoredAt)
        }

        // Ranking: wallets with a full sample.
        // Market makers and bots are not candidates (their round trips "win" by construction), as in consensus.
        let eligible = results.filter {
            $0.score.closedPositions >= 10 && $0.score.walletClass != .marketMaker && $0.score.walletClass != .bot
        }
        let informedCount = eligible.filter { persona[$0.score.wallet] == .informed }.count
        // Ranked by the 5 % lower bound of the shrunk win rate: it rewards a high win rate only once the sample
        // supports it. (Measured on this history: lower bound 0.95, Kelly 0.93, Sharpe 0.92, shrunk mean 0.89,
        // EV 0.80, raw edge 0.08 — edge alone is dominated by sampling noise at 10–20 positions.)
        let top = eligible.sorted { $0.score.winRateLowerBound > $1.score.winRateLowerBound }.prefix(informedCount)
        let hits = top.filter { persona[$0.score.wallet] == .informed }.count
        let precisionAtK = Double(hits) / Double(max(informedCount, 1))
        print(
            "planted informed wallets with ≥ 10 closed positions: \(informedCount); precision@\(informedCount) = \(precisionAtK)"
        )
        #expect(informedCount >= 20)
        #expect(precisionAtK >= 0.9)

        // Classifier precision and recall for market makers and bots.
        func quality(_ label: WalletClass, _ planted: Persona) -> (precision: Double, recall: Double) {
            let labelled = results.filter { $0.score.walletClass == label }
            let truePositives = labelled.filter { persona[$0.score.wallet] == planted }.count
            let actual = results.filter { persona[$0.score.wallet] == planted }.count
            return (
                Double(truePositives) / Double(max(labelled.count, 1)), Double(truePositives) / Double(max(actual, 1))
            )
        }
        let mm = quality(.marketMaker, .marketMaker)
        let bot = quality(.bot, .bot)
        let informed = quality(.informed, .informed)
        print(
            "marketMaker precision \(mm.precision) recall \(mm.recall); bot precision \(bot.precision) recall \(bot.recall); informed precision \(informed.precision) recall \(informed.recall)"
        )
        #expect(mm.precision >= 0.9 && mm.recall >= 0.9)
        #expect(bot.precision >= 0.9 && bot.recall >= 0.9)
        // `informed` = a positive edge surviving BH at q = 0.10 over 3,000 wallets tested. Measured here: precision 1.0,
        // recall 0.10 — about 20 markets per wallet is thin evidence once 3,000 wallets are tested at once (the old
        // win-rate thresholds had recall 0.72 here but named 16 no-skill wallets in an independent population).
        #expect(informed.precision >= 0.9 && informed.recall > 0.05)
    }
}
