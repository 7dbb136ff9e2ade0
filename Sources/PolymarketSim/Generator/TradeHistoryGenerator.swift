import Foundation
import PolybotCore

/// What a generated wallet is, so tests can check that the scorer finds the planted ones.
public enum Persona: String, Sendable, Codable, CaseIterable {
    /// Buys the eventual winner far more often than the price implies; larger tickets; holds to resolution.
    case informed
    /// Quotes both outcomes of many markets with small tickets and short holds.
    case marketMaker
    /// Trades very often on a fixed clock.
    case bot
    /// Everyone else: random outcome, mostly buys, log-normal ticket sizes.
    case noise
}

/// A generated binary market.
public struct GeneratedMarket: Sendable, Hashable {
    public var conditionId: String
    public var question: String
    public var slug: String
    public var eventSlug: String
    /// Token ids, `[yes, no]`.
    public var tokens: [String]
    /// Index of the winning outcome (0 = Yes, 1 = No).
    public var winner: Int
    /// Probability of Yes at the start of trading.
    public var openingPrice: Double
}

/// Writes a synthetic but realistic Polymarket trade history at any scale.
///
/// Calibration on `../shared/data` (Nobel 2025 and crypto/esports 2026 Data API files): trade notional has a
/// median near $15, p90 ≈ $160–200 and a heavy tail (p99 $1.8k–4.6k, max $93k); 82–86 % of rows are BUYs.
/// Notional here is a mixture: 97 % log-normal (median $15, σ 1.85) and 3 % "whale" log-normal (median
/// $2,000, σ 1.3), which puts about 0.3 % of trades at or above the $10k whale threshold.
/// Prices follow each market from its opening price towards its resolution, with noise, on a 1¢ tick.
public struct TradeHistoryGenerator: Sendable {
    /// Knobs of the generator.
    public struct Options: Sendable {
        public var trades: Int
        public var wallets: Int
        public var markets: Int
        public var seed: UInt64
        /// First trade time (Unix seconds).
        public var start: Int64
        /// Span of the history in seconds.
        public var span: Int64
        public var informedShare: Double
        public var marketMakerShare: Double
        public var botShare: Double
        /// Markets per event slug (outcomes are drawn independently either way; the slug is what a scorer clusters).
        public var marketsPerEvent = 5

        /// Defaults: 30 days, 2 % informed, 1 % market makers, 1 % bots, one market per 500 trades.
        public init(
            trades: Int, wallets: Int, markets: Int? = nil, seed: UInt64 = 42, start: Int64 = 1_760_000_000,
            span: Int64 = 30 * 86_400, informedShare: Double = 0.02, marketMakerShare: Double = 0.01,
            botShare: Double = 0.01
        ) {
            self.trades = trades
            self.wallets = max(1, wallets)
            self.markets = max(1, markets ?? max(20, trades / 500))
            self.seed = seed
            self.start = start
            self.span = max(1, span)
            self.informedShare = informedShare
            self.marketMakerShare = marketMakerShare
            self.botShare = botShare
        }
    }

    public let options: Options
    /// The markets, resolved.
    public let markets: [GeneratedMarket]
    /// Every wallet with its persona.
    public let wallets: [(address: Address, persona: Persona)]

    /// Lays out markets and wallets for the options.
    public init(options: Options) {
        self.options = options
        var rng = SplitMix64(seed: options.seed)
        var markets: [GeneratedMarket] = []
        markets.reserveCapacity(options.markets)
        for i in 0..<options.markets {
            let opening = 0.05 + 0.9 * rng.unit()
            let yesWins = rng.unit() < opening
            let event = "sim-event-\(i / max(1, options.marketsPerEvent))"
            markets.append(
                GeneratedMarket(
                    conditionId: "0x" + rng.hex(bytes: 32), question: "Will simulated outcome #\(i) happen?",
                    slug: "sim-market-\(i)", eventSlug: event,
                    tokens: [Self.tokenId(&rng), Self.tokenId(&rng)], winner: yesWins ? 0 : 1, openingPrice: opening))
        }
        self.markets = markets
        var wallets: [(Address, Persona)] = []
        wallets.reserveCapacity(options.wallets)
        for _ in 0..<options.wallets {
            let u = rng.unit()
            let persona: Persona =
                u < options.informedShare
                ? .informed
                : u < options.informedShare + options.marketMakerShare
                    ? .marketMaker
                    : u < options.informedShare + options.marketMakerShare + options.botShare ? .bot : .noise
            wallets.append((Address("0x" + rng.hex(bytes: 20))!, persona))
        }
        self.wallets = wallets
    }

    static func tokenId(_ rng: inout SplitMix64) -> String {
        // 76–77 decimal digits, like real ERC-1155 position ids.
        var s = String(1 + rng.next() % 9)
        while s.count < 76 { s += String(rng.next() % 10_000_000_000_000_000, radix: 10).leftPadded(16) }
        return String(s.prefix(76))
    }

    /// Relative activity: bots and market makers trade far more often than people.
    private static func weight(_ p: Persona) -> Double {
        switch p {
        case .bot: 40
        case .marketMaker: 25
        case .informed: 3
        case .noise: 1
        }
    }

    /// Emits the trades in (nearly) time order; every wallet trades at least once when trades ≥ wallets.
    /// A market maker's trade comes with its exit (a SELL minutes later), so the count can exceed `trades` slightly.
    ///
    /// - Parameter body: receives each trade; runs synchronously, so the caller controls batching.
    public func generate(_ body: (Trade) throws -> Void) rethrows {
        var rng = SplitMix64(seed: options.seed ^ 0xA5A5_5A5A_F00D_BEEF)
        // Cumulative activity weights for picking a wallet.
        var cumulative: [Double] = []
        cumulative.reserveCapacity(wallets.count)
        var total = 0.0
        for w in wallets {
            total += Self.weight(w.persona)
            cumulative.append(total)
        }
        let n = options.trades
        var lastTx = ""
        for i in 0..<n {
            let t = options.start + Int64(Double(options.span) * Double(i) / Double(max(n, 1)))
            let walletIndex: Int
            if i < wallets.count && n >= wallets.count {
                walletIndex = i
            } else {
                let x = rng.unit() * total
                var lo = 0
                var hi = cumulative.count - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
                }
                walletIndex = lo
            }
            let (wallet, persona) = wallets[walletIndex]
            // Each wallet works a stable subset of markets (market makers a broad one), so positions build up.
            let breadth = persona == .marketMaker ? 40 : persona == .informed ? 30 : persona == .bot ? 5 : 8
            let pick = Int(
                (UInt64(walletIndex) &* 2_654_435_761 &+ UInt64(rng.next() % UInt64(breadth))) % UInt64(markets.count))
            let market = markets[pick]
            let progress = Double(t - options.start) / Double(options.span)
            let yesTruth = market.winner == 0 ? 1.0 : 0.0
            var yesPrice = market.openingPrice + (yesTruth - market.openingPrice) * 0.7 * progress + 0.03 * rng.normal()
            yesPrice = min(0.99, max(0.01, (yesPrice * 100).rounded() / 100))

            var outcome: Int
            var side: TradeSide = rng.unit() < 0.84 ? .buy : .sell
            var notional: Double
            var timestamp = t
            var closeAfter: Int64?
            switch persona {
            case .informed:
                // Informed wallets take one view per market — right 80 % of the time — and size up.
                let right = (UInt64(walletIndex) &* 0x9E37_79B9 ^ UInt64(pick) &* 0x85EB_CA6B) % 100 < 80
                outcome = right ? market.winner : 1 - market.winner
                side = rng.unit() < 0.95 ? .buy : .sell
                notional = Self.logNormal(&rng, median: 400, sigma: 1.4)
                // They act before the news: at the opening price, not the price that later drifts towards the truth.
                yesPrice = min(0.99, max(0.01, ((market.openingPrice + 0.02 * rng.normal()) * 100).rounded() / 100))
            case .marketMaker:
                // Makers buy one side and sell it back minutes later: two-sided, short holds, many markets.
                outcome = Int(rng.next() % 2)
                side = .buy
                notional = Self.logNormal(&rng, median: 25, sigma: 0.8)
                closeAfter = 30 + Int64(rng.next() % 600)
            case .bot:
                outcome = Int(rng.next() % 2)
                notional = Self.logNormal(&rng, median: 8, sigma: 0.5)
                // A fixed clock: snap to the wallet's 60-second grid with its own phase.
                let phase = Int64(walletIndex % 60)
                timestamp = ((t - phase) / 60) * 60 + phase
            case .noise:
                outcome = Int(rng.next() % 2)
                notional =
                    rng.unit() < 0.03
                    ? Self.logNormal(&rng, median: 2000, sigma: 1.3) : Self.logNormal(&rng, median: 15, sigma: 1.85)
            }
            let price = outcome == 0 ? yesPrice : (100 - (yesPrice * 100).rounded()) / 100
            let priceMicros = Micros(roundingDouble: price) ?? Micros(500_000)
            let shares = max(0.01, (notional / price * 100).rounded() / 100)
            // Sometimes two fills share a transaction, as on the real chain.
            let tx = (i > 0 && rng.unit() < 0.05) ? lastTx : "0x" + rng.hex(bytes: 32)
            lastTx = tx
            let trade = Trade(
                transactionHash: tx, wallet: wallet, asset: market.tokens[outcome], conditionId: market.conditionId,
                side: side, size: Micros(roundingDouble: shares) ?? Micros(10_000), price: priceMicros,
                timestamp: timestamp, outcome: outcome == 0 ? "Yes" : "No", outcomeIndex: outcome,
                title: market.question, slug: market.slug, eventSlug: market.eventSlug, source: .replay)
            try body(trade)
            if let closeAfter {
                // The maker's exit, one tick better: same shares, a fresh transaction.
                var exit = trade
                exit.side = .sell
                exit.timestamp = timestamp + closeAfter
                exit.price = Micros(min(990_000, priceMicros.raw + 10_000))
                exit.transactionHash = "0x" + rng.hex(bytes: 32)
                try body(exit)
            }
        }
    }

    static func logNormal(_ rng: inout SplitMix64, median: Double, sigma: Double) -> Double {
        median * exp(sigma * rng.normal())
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
