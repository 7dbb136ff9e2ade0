import Foundation
import PolybotCore

/// Generated worlds for the backtest's verdict: events of one or two markets that open and resolve at their own times,
/// whale-sized buys, and after every whale buy the prints a copy could take (small sells by many one-off wallets a few
/// seconds to minutes later, at or a few cents above the whale's price).
///
/// - `favourites`: whales buy favourites at 80–97¢ and every price is calibrated (a token at p wins with probability
///   p): no edge anywhere, the pattern that fooled a percentile bootstrap.
/// - `skilled(edge)`: a few wallets pick the winner often enough to beat the price by `edge` on average and trade
///   most markets; the other whales buy a random side at the fair price.
public struct CopyWorld: Sendable {
    /// Which world.
    public enum Kind: Sendable, Hashable {
        case favourites
        case skilled(edge: Double)
    }

    /// The world's size.
    public struct Options: Sendable {
        public var kind: Kind
        public var seed: UInt64
        public var start: Int64 = 1_767_225_600  // 2026-01-01
        public var days = 60
        public var events = 120
        /// Whales without skill.
        public var whales = 100
        /// Skilled wallets (the skilled world only).
        public var skilled = 8
        /// Markets each whale without skill trades.
        public var whaleMarkets: ClosedRange<Int> = 15...30
        /// How far above the whale's price the prints after it go, in cents (each print draws one).
        public var followCents: [Int] = [0, 0, 1, 2]

        /// Creates options.
        public init(kind: Kind, seed: UInt64) {
            self.kind = kind
            self.seed = seed
        }
    }

    /// One market.
    public struct Market: Sendable, Hashable, GeneratedResolution {
        public var conditionId: String
        public var tokens: [String]
        public var event: String
        /// Token 0's calibrated probability (its fair price).
        public var fair: Double
        public var winner: Int
        public var opensAt: Int64
        public var resolvesAt: Int64

        public var resolutionQuestion: String { "Copy world market" }
        public var resolutionEvent: String { event }
    }

    public let options: Options
    public let markets: [Market]
    /// The skilled wallets (empty in the favourites world).
    public let skilledWallets: [Address]

    /// Lays out the world.
    public init(options: Options) {
        self.options = options
        var rng = SplitMix64(seed: options.seed)
        let span = Int64(options.days) * 86_400
        var markets: [Market] = []
        for e in 0..<options.events {
            let opens = options.start + Int64(rng.unit() * 0.8 * Double(span))
            let resolves = min(opens + Int64((3 + rng.unit() * 7) * 86_400), options.start + span - 60)
            for _ in 0..<(rng.unit() < 0.25 ? 2 : 1) {
                let fair: Double
                switch options.kind {
                case .favourites:
                    // Most markets have a favourite between 80 and 97 ¢ on one side.
                    let f = 0.80 + 0.17 * rng.unit()
                    fair = rng.unit() < 0.5 ? f : 1 - f
                case .skilled: fair = 0.3 + 0.4 * rng.unit()
                }
                let cents = (fair * 100).rounded() / 100
                markets.append(
                    Market(
                        conditionId: "0x" + rng.hex(bytes: 32),
                        tokens: [TradeHistoryGenerator.tokenId(&rng), TradeHistoryGenerator.tokenId(&rng)],
                        event: "copy-world-event-\(e)", fair: cents, winner: rng.unit() < cents ? 0 : 1,
                        opensAt: opens, resolvesAt: resolves))
            }
        }
        self.markets = markets
        if case .skilled = options.kind {
            skilledWallets = (0..<options.skilled).map { _ in Address("0x" + rng.hex(bytes: 20))! }
        } else {
            skilledWallets = []
        }
    }

    /// The resolutions, each with its time.
    public var resolutions: [String: MarketResolution] { markets.resolutions }

    /// The resolutions file (the layout of `midterms2022_resolutions.csv`), each with its exact time.
    public func resolutionRows() -> [String] { markets.resolutionRows() }

    /// Every trade of the world, in time order.
    public func trades() -> [Trade] {
        var rng = SplitMix64(seed: options.seed ^ 0xC0B1_E5ED)
        var out: [Trade] = []
        let flow = (0..<3_000).map { _ in Address("0x" + rng.hex(bytes: 20))! }
        func trade(
            _ w: Address, _ m: Market, token: Int, side: TradeSide, shares: Double, price: Double, at t: Int64
        )
            -> Trade
        {
            Trade(
                transactionHash: "0x" + rng.hex(bytes: 32), wallet: w, asset: m.tokens[token],
                conditionId: m.conditionId, side: side,
                size: Micros(roundingDouble: (shares * 100).rounded() / 100) ?? Micros(1_000_000),
                price: Micros(roundingDouble: (price * 100).rounded() / 100) ?? Micros(500_000), timestamp: t,
                outcome: token == 0 ? "Yes" : "No", outcomeIndex: token, title: "Copy world market",
                slug: m.conditionId, eventSlug: m.event, source: .replay)
        }
        /// A whale buy and the prints after it.
        func whaleBuy(_ w: Address, _ m: Market, token: Int) {
            let t = m.opensAt + Int64(rng.unit() * 0.7 * Double(m.resolvesAt - m.opensAt))
            let fair = token == 0 ? m.fair : 1 - m.fair
            let notional = 1_500 + rng.unit() * 4_500
            out.append(trade(w, m, token: token, side: .buy, shares: notional / fair, price: fair, at: t))
            var at = t
            for _ in 0..<4 {
                at += 5 + Int64(rng.next() % 120)
                let cents = options.followCents[Int(rng.next() % UInt64(options.followCents.count))]
                out.append(
                    trade(
                        flow[Int(rng.next() % UInt64(flow.count))], m, token: token, side: .sell,
                        shares: 100 + rng.unit() * 500, price: min(0.99, fair + Double(cents) / 100), at: at))
            }
        }
        for _ in 0..<options.whales {
            let w = Address("0x" + rng.hex(bytes: 20))!
            let n = options.whaleMarkets.lowerBound + Int(rng.next() % UInt64(options.whaleMarkets.count))
            for _ in 0..<n {
                let m = markets[Int(rng.next() % UInt64(markets.count))]
                switch options.kind {
                case .favourites: whaleBuy(w, m, token: m.fair >= 0.5 ? 0 : 1)
                case .skilled: whaleBuy(w, m, token: Int(rng.next() % 2))
                }
            }
        }
        if case .skilled(let edge) = options.kind {
            for w in skilledWallets {
                for m in markets where rng.unit() < 0.7 {
                    // Buying the winner with probability ½ + δ / (2 (1 − its price)) beats the price by δ on average.
                    let winnerPrice = m.winner == 0 ? m.fair : 1 - m.fair
                    let pick = min(0.98, 0.5 + edge / (2 * max(0.02, 1 - winnerPrice)))
                    whaleBuy(w, m, token: rng.unit() < pick ? m.winner : 1 - m.winner)
                }
            }
        }
        return out.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(
            \.element)
    }
}
