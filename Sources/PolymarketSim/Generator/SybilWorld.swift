import Foundation
import PolybotCore

/// A generated world for independent votes (issue 31): a sybil ring — one funder's wallets that copy their leader's
/// trades within seconds and wash-trade among themselves — beside independent wallets that merely agree.
///
/// - The ring: `ringSize` wallets funded by one address (itself funded from an exchange-like hub). The leader buys the
///   winner with probability `ringSkill` in the ring's markets; every other member buys the same token 1–30 s later.
///   A few fills go between two ring wallets in one transaction (wash).
/// - Independents: each funded by its own address or by the hub (a hub that funds more wallets than
///   ``FundingRules/maxFunded`` is no evidence); each trades a market with probability ½, buying the winner with
///   probability `independentSkill`, at a uniform time within 12 h of the market's news, so several often agree
///   within a consensus window but rarely within a minute.
/// - After every whale buy, small sells by one-off wallets at or a cent above it: prints a copy can take.
///
/// The ring's markets (every third) and the independents' markets are disjoint, so a signal is either the ring's or
/// not.
public struct SybilWorld: Sendable {
    /// The world's size.
    public struct Options: Sendable {
        public var seed: UInt64
        public var start: Int64 = 1_767_225_600  // 2026-01-01
        public var markets = 40
        /// Markets the ring trades (every third one, from the first, until there are this many); the rest are the
        /// independents'.
        public var ringMarkets = 12
        public var ringSize = 8
        public var independents = 10
        public var ringSkill = 0.8
        public var independentSkill = 0.75
        /// Wash fills between ring wallets.
        public var washFills = 10
        /// Wallets the hub funds besides the independents it funds (an exchange's customers).
        public var hubCustomers = 120
        /// Busy independent small traders: each trades `busyTrades` times at random within 6 h in each of the first
        /// three independents' markets, so they co-trade by chance far more often than any count threshold allows.
        public var busy = 4
        public var busyTrades = 150

        /// Creates options.
        public init(seed: UInt64) { self.seed = seed }
    }

    /// One market.
    public struct Market: Sendable, Hashable, GeneratedResolution {
        public var conditionId: String
        public var tokens: [String]
        public var fair: Double
        public var winner: Int
        public var news: Int64
        public var resolvesAt: Int64

        public var resolutionQuestion: String { "Sybil world market" }
        public var resolutionEvent: String { "sybil-world-\(conditionId.suffix(8))" }
    }

    public let options: Options
    public let markets: [Market]
    /// The ring, leader first.
    public let ring: [Address]
    public let independents: [Address]
    /// The busy small traders (independent of each other).
    public let busy: [Address]
    /// The ring's funder, and the hub that funds exchange customers.
    public let ringFunder: Address
    public let hub: Address

    /// Lays out the world.
    public init(options: Options) {
        self.options = options
        var rng = SplitMix64(seed: options.seed)
        func address() -> Address { Address("0x" + rng.hex(bytes: 20))! }
        markets = (0..<options.markets).map { i in
            let news = options.start + 86_400 + Int64(i) * 43_200 + Int64(rng.unit() * 21_600)
            let fair = ((0.3 + 0.4 * rng.unit()) * 100).rounded() / 100
            return Market(
                conditionId: "0x" + rng.hex(bytes: 32),
                tokens: [TradeHistoryGenerator.tokenId(&rng), TradeHistoryGenerator.tokenId(&rng)], fair: fair,
                winner: rng.unit() < fair ? 0 : 1, news: news, resolvesAt: news + 3 * 86_400)
        }
        ring = (0..<options.ringSize).map { _ in address() }
        independents = (0..<options.independents).map { _ in address() }
        ringFunder = address()
        hub = address()
        busy = (0..<options.busy).map { _ in address() }
    }

    /// The ring's markets (spread over the whole period).
    public var ringMarkets: [Market] {
        Array(markets.enumerated().filter { $0.offset % 3 == 0 }.map(\.element).prefix(options.ringMarkets))
    }

    /// The independents' markets.
    public var independentMarkets: [Market] {
        let ring = Set(ringMarkets.map(\.conditionId))
        return markets.filter { !ring.contains($0.conditionId) }
    }

    /// The resolutions, each with its time.
    public var resolutions: [String: MarketResolution] { markets.resolutions }

    /// The resolutions file, each with its exact time.
    public func resolutionRows() -> [String] { markets.resolutionRows() }

    /// The collateral token the transfers move (pUSD).
    public static let token = Address("0xc011a7e12a19f7b1f670d46f03b03f3342e82dfb")!

    /// Every funding transfer, in time order.
    public func transfers() -> [FundingTransfer] {
        var rng = SplitMix64(seed: options.seed ^ 0x5EED_F00D)
        var out: [FundingTransfer] = []
        let before = options.start - 86_400
        func fund(_ to: Address, from: Address, at t: Int64, dollars: Double) {
            out.append(
                FundingTransfer(
                    time: t, token: Self.token, from: from, to: to,
                    amount: Micros(roundingDouble: dollars.rounded()) ?? Micros(1_000_000)))
        }
        fund(ringFunder, from: hub, at: before - 3_600, dollars: 200_000)
        for w in ring { fund(w, from: ringFunder, at: before + Int64(rng.next() % 3_600), dollars: 20_000) }
        for (i, w) in independents.enumerated() {
            let from = i % 2 == 0 ? hub : Address("0x" + rng.hex(bytes: 20))!
            fund(w, from: from, at: before + Int64(rng.next() % 80_000), dollars: 20_000 + rng.unit() * 30_000)
        }
        for _ in 0..<options.hubCustomers {
            fund(Address("0x" + rng.hex(bytes: 20))!, from: hub, at: before + Int64(rng.next() % 80_000), dollars: 500)
        }
        // A dust transfer from the ring's funder to an independent that already had money: not a first funder.
        if let first = independents.first {
            fund(first, from: ringFunder, at: options.start + 3_600, dollars: 5)
        }
        return out.sorted { ($0.time, $0.to.hex) < ($1.time, $1.to.hex) }
    }

    /// The transfers file (`block_time,token,from,to,amount`).
    public func transferRows() -> [String] {
        ["block_time,token,from,to,amount"]
            + transfers().map { "\($0.time),\($0.token.hex),\($0.from.hex),\($0.to.hex),\($0.amount)" }
    }

    /// Every trade of the world, in time order.
    public func trades() -> [Trade] {
        var rng = SplitMix64(seed: options.seed ^ 0x51B1_1000)
        var out: [Trade] = []
        func trade(
            _ w: Address, _ m: Market, token: Int, side: TradeSide, shares: Double, price: Double, at t: Int64,
            tx: String? = nil
        ) -> Trade {
            Trade(
                transactionHash: tx ?? "0x" + rng.hex(bytes: 32), wallet: w, asset: m.tokens[token],
                conditionId: m.conditionId, side: side,
                size: Micros(roundingDouble: (shares * 100).rounded() / 100) ?? Micros(1_000_000),
                price: Micros(roundingDouble: (price * 100).rounded() / 100) ?? Micros(500_000), timestamp: t,
                outcome: token == 0 ? "Yes" : "No", outcomeIndex: token, title: m.resolutionQuestion,
                slug: m.conditionId, eventSlug: m.resolutionEvent, source: .replay)
        }
        func buy(_ w: Address, _ m: Market, token: Int, at t: Int64) {
            let price = token == 0 ? m.fair : 1 - m.fair
            let notional = 2_000 + rng.unit() * 4_000
            out.append(trade(w, m, token: token, side: .buy, shares: notional / price, price: price, at: t))
            var at = t
            for _ in 0..<3 {
                at += 5 + Int64(rng.next() % 120)
                out.append(
                    trade(
                        Address("0x" + rng.hex(bytes: 20))!, m, token: token, side: .sell,
                        shares: 200 + rng.unit() * 600, price: min(0.99, price + Double(rng.next() % 2) / 100), at: at))
            }
        }
        let ringMarkets = self.ringMarkets
        for m in ringMarkets {
            let token = rng.unit() < options.ringSkill ? m.winner : 1 - m.winner
            var t = m.news + Int64(rng.next() % 21_600)
            buy(ring[0], m, token: token, at: t)
            for w in ring.dropFirst() {
                t += 1 + Int64(rng.next() % 4)
                buy(w, m, token: token, at: t)
            }
        }
        for i in 0..<options.washFills {
            let m = ringMarkets[i % ringMarkets.count]
            let (a, b) = (ring[1 + i % (ring.count - 1)], ring[1 + (i + 1) % (ring.count - 1)])
            let tx = "0x" + rng.hex(bytes: 32)
            let at = m.news + 30_000 + Int64(rng.next() % 20_000)
            let shares = 5_000 + rng.unit() * 5_000
            out.append(trade(a, m, token: 0, side: .buy, shares: shares, price: m.fair, at: at, tx: tx))
            out.append(trade(b, m, token: 0, side: .sell, shares: shares, price: m.fair, at: at, tx: tx))
        }
        let independentMarkets = self.independentMarkets
        for m in independentMarkets {
            for w in independents where rng.unit() < 0.5 {
                let token = rng.unit() < options.independentSkill ? m.winner : 1 - m.winner
                buy(w, m, token: token, at: m.news + Int64(rng.next() % 43_200))
            }
        }
        for m in independentMarkets.prefix(3) {
            for w in busy {
                for _ in 0..<options.busyTrades {
                    let token = Int(rng.next() % 2)
                    let price = token == 0 ? m.fair : 1 - m.fair
                    out.append(
                        trade(
                            w, m, token: token, side: .buy, shares: (20 + rng.unit() * 60) / price, price: price,
                            at: m.news + Int64(rng.next() % 21_600)))
                }
            }
        }
        return out.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(
            \.element)
    }
}
