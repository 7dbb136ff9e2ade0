import Foundation
import PolybotCore

/// Generated worlds for testing wallet evidence honestly: who has skill is known, and so is when.
///
/// Markets open and resolve at their own times inside the span; a market's Yes price drifts from its opening price
/// towards the outcome as its resolution nears (p = o + (Y − o)·0.9·x², x = share of its life gone, plus 2¢ noise), so
/// a wallet that picks its side at random has **no edge** on average (E[Y] = o). Personas:
/// - **noise**: random side, Poisson times, log-normal tickets;
/// - **skilled** (edge δ): picks the eventual winner with probability ½ + δ / (2 (1 − p_winner)) (capped at 0.98), so
///   its expected (outcome − price paid) is δ; a **late bloomer** trades like noise until its bloom time, then with δ;
/// - **market maker**: Poisson times, buys one side of an open market and sells it back minutes later one tick up, or
///   buys the other side: two-sided, short holds, irregular timing;
/// - **bot**: a timer (a fixed period of 2–15 minutes, ±1 s), two-sided round trips in a few markets over a few days.
public struct WorldGenerator: Sendable {
    /// The kind of world.
    public enum Kind: Sendable, Hashable {
        /// No wallet has skill (the skilled count is ignored: they trade as noise).
        case null
        /// Skilled wallets beat the price by `edge` (e.g. 0.08) all the time.
        case skilled(edge: Double)
        /// Skilled wallets beat the price by `edge` only after `bloomFraction` of the span.
        case lateBloomers(edge: Double, bloomFraction: Double)

        /// `null`, `skilled:EDGE` or `bloom:EDGE:FRACTION`.
        public init?(_ text: String) {
            let p = text.split(separator: ":").map(String.init)
            switch (p.first, p.count) {
            case ("null", 1): self = .null
            case ("skilled", 2):
                guard let e = Double(p[1]), e > 0, e < 0.5 else { return nil }
                self = .skilled(edge: e)
            case ("bloom", 3):
                guard let e = Double(p[1]), e > 0, e < 0.5, let f = Double(p[2]), f > 0, f < 1 else { return nil }
                self = .lateBloomers(edge: e, bloomFraction: f)
            default: return nil
            }
        }
    }

    /// The world's size and seed.
    public struct Options: Sendable {
        public var kind: Kind
        public var seed: UInt64
        public var start: Int64
        public var days: Int
        public var markets: Int
        public var noise: Int
        public var skilled: Int
        public var marketMakers: Int
        public var bots: Int
        /// Trades per no-skill wallet and per skilled wallet (uniform in the range).
        public var noiseTrades: ClosedRange<Int> = 15...104
        public var skilledTrades: ClosedRange<Int> = 150...399

        /// The population by default: 1,200 no-skill wallets, 30 skilled, 25 market makers, 15 bots, 400
        /// markets over 60 days.
        public init(
            kind: Kind, seed: UInt64 = 7, start: Int64 = 1_767_225_600, days: Int = 60, markets: Int = 400,
            noise: Int = 1_200, skilled: Int = 30, marketMakers: Int = 25, bots: Int = 15
        ) {
            self.kind = kind
            self.seed = seed
            self.start = start
            self.days = days
            self.markets = markets
            self.noise = noise
            self.skilled = skilled
            self.marketMakers = marketMakers
            self.bots = bots
        }
    }

    /// A market with its life.
    public struct Market: Sendable, Hashable, GeneratedResolution {
        public var conditionId: String
        public var tokens: [String]
        /// 0 = Yes won, 1 = No won.
        public var winner: Int
        public var opening: Double
        public var opensAt: Int64
        public var resolvesAt: Int64
        public var slug: String

        public var resolutionQuestion: String { "World market \(slug)" }
        public var resolutionEvent: String { "event-\(slug)" }
    }

    /// A wallet with the truth about it.
    public struct Wallet: Sendable, Hashable {
        public var address: Address
        public var persona: Persona
        /// The edge it trades with (0 for everyone but skilled wallets).
        public var edge: Double
        /// When its skill starts (late bloomers); nil = from the start.
        public var bloomsAt: Int64?
    }

    public let options: Options
    public let markets: [Market]
    public let wallets: [Wallet]

    /// Lays out the world.
    public init(options: Options) {
        self.options = options
        var rng = SplitMix64(seed: options.seed)
        let span = Int64(options.days) * 86_400
        var markets: [Market] = []
        for i in 0..<options.markets {
            let opening = 0.1 + 0.8 * rng.unit()
            let opens = options.start + Int64(rng.unit() * 0.75 * Double(span))
            let life = Int64((2 + rng.unit() * 18) * 86_400)
            markets.append(
                Market(
                    conditionId: "0x" + rng.hex(bytes: 32),
                    tokens: [TradeHistoryGenerator.tokenId(&rng), TradeHistoryGenerator.tokenId(&rng)],
                    winner: rng.unit() < opening ? 0 : 1, opening: opening, opensAt: opens,
                    resolvesAt: min(opens + life, options.start + span), slug: "world-market-\(i)"))
        }
        self.markets = markets.sorted { $0.opensAt < $1.opensAt }
        var wallets: [Wallet] = []
        func add(_ n: Int, _ persona: Persona, edge: Double = 0, bloomsAt: Int64? = nil) {
            for _ in 0..<n {
                wallets.append(
                    Wallet(
                        address: Address("0x" + rng.hex(bytes: 20))!, persona: persona, edge: edge, bloomsAt: bloomsAt))
            }
        }
        add(options.noise, .noise)
        switch options.kind {
        case .null: add(options.skilled, .noise)
        case .skilled(let edge): add(options.skilled, .informed, edge: edge)
        case .lateBloomers(let edge, let fraction):
            add(options.skilled, .informed, edge: edge, bloomsAt: options.start + Int64(Double(span) * fraction))
        }
        add(options.marketMakers, .marketMaker)
        add(options.bots, .bot)
        self.wallets = wallets
    }

    /// The resolutions, each with its time.
    public var resolutions: [String: MarketResolution] { markets.resolutions }

    /// The resolutions file (the layout of `midterms2022_resolutions.csv`), each with its exact time.
    public func resolutionRows() -> [String] { markets.resolutionRows() }

    /// The wallets and their truth as CSV (`wallet,persona,edge,blooms_at`).
    public func personaRows() -> [String] {
        ["wallet,persona,edge,blooms_at"]
            + wallets.map {
                "\($0.address.hex),\($0.persona.rawValue),\($0.edge),\($0.bloomsAt.map(String.init) ?? "")"
            }
    }

    /// The Yes price of a market at `t` (a deterministic function of the market, `t` and a noise draw).
    private func yesPrice(_ m: Market, at t: Int64, noise: Double) -> Double {
        let x = Double(t - m.opensAt) / Double(max(1, m.resolvesAt - m.opensAt))
        let y: Double = m.winner == 0 ? 1 : 0
        let p = m.opening + (y - m.opening) * 0.9 * x * x + 0.02 * noise
        return min(0.98, max(0.02, (p * 100).rounded() / 100))
    }

    /// A market open at `t` (nil after 40 tries).
    private func openMarket(at t: Int64, _ rng: inout SplitMix64, among pool: [Int]? = nil) -> Market? {
        for _ in 0..<40 {
            let m =
                pool.map { markets[$0[Int(rng.next() % UInt64($0.count))]] }
                ?? markets[Int(rng.next() % UInt64(markets.count))]
            if m.opensAt <= t && t < m.resolvesAt - 60 { return m }
        }
        return nil
    }

    /// Every trade of the world, in time order.
    public func trades() -> [Trade] {
        var rng = SplitMix64(seed: options.seed ^ 0x5EED_F00D)
        let span = Int64(options.days) * 86_400
        var out: [Trade] = []
        func trade(
            _ w: Wallet, _ m: Market, outcome: Int, side: TradeSide, notional: Double, at t: Int64, price: Double
        ) -> Trade {
            let shares = max(0.01, (notional / price * 100).rounded() / 100)
            return Trade(
                transactionHash: "0x" + rng.hex(bytes: 32), wallet: w.address, asset: m.tokens[outcome],
                conditionId: m.conditionId, side: side, size: Micros(roundingDouble: shares) ?? Micros(10_000),
                price: Micros(roundingDouble: price) ?? Micros(500_000), timestamp: t,
                outcome: outcome == 0 ? "Yes" : "No", outcomeIndex: outcome, title: "World market \(m.slug)",
                slug: m.slug, eventSlug: "event-\(m.slug)", source: .replay)
        }
        for w in wallets {
            switch w.persona {
            case .noise, .informed:
                let range = w.persona == .informed ? options.skilledTrades : options.noiseTrades
                let count = range.lowerBound + Int(rng.next() % UInt64(range.count))
                for _ in 0..<count {
                    let t = options.start + Int64(rng.unit() * Double(span))
                    guard let m = openMarket(at: t, &rng) else { continue }
                    let yes = yesPrice(m, at: t, noise: rng.normal())
                    let winnerPrice = m.winner == 0 ? yes : 1 - yes
                    var outcome = Int(rng.next() % 2)
                    if w.edge > 0, t >= (w.bloomsAt ?? .min) {
                        let pick = min(0.98, 0.5 + w.edge / (2 * max(0.02, 1 - winnerPrice)))
                        outcome = rng.unit() < pick ? m.winner : 1 - m.winner
                    }
                    let price = outcome == 0 ? yes : (100 - (yes * 100).rounded()) / 100
                    let side: TradeSide = w.persona == .informed ? .buy : (rng.unit() < 0.85 ? .buy : .sell)
                    let notional =
                        w.persona == .informed
                        ? TradeHistoryGenerator.logNormal(&rng, median: 200, sigma: 0.6)
                        : TradeHistoryGenerator.logNormal(&rng, median: 40, sigma: 1.2)
                    out.append(trade(w, m, outcome: outcome, side: side, notional: notional, at: t, price: price))
                }
            case .marketMaker:
                let from = options.start + Int64(rng.unit() * 0.5 * Double(span))
                var t = from
                let rate = 20 + rng.unit() * 30  // quotes hit per day
                while t < from + 20 * 86_400 {
                    t += Int64(-log(max(rng.unit(), 1e-12)) * 86_400 / rate)
                    guard let m = openMarket(at: t, &rng) else { continue }
                    let yes = yesPrice(m, at: t, noise: rng.normal())
                    let outcome = Int(rng.next() % 2)
                    let price = max(0.02, min(0.97, outcome == 0 ? yes : (100 - (yes * 100).rounded()) / 100))
                    let notional = TradeHistoryGenerator.logNormal(&rng, median: 30, sigma: 0.5)
                    let entry = trade(w, m, outcome: outcome, side: .buy, notional: notional, at: t, price: price)
                    out.append(entry)
                    if rng.unit() < 0.7 {
                        var exit = entry
                        exit.side = .sell
                        exit.timestamp = t + 60 + Int64(rng.next() % 840)
                        exit.price = Micros(min(990_000, entry.price.raw + 10_000))
                        exit.transactionHash = "0x" + rng.hex(bytes: 32)
                        out.append(exit)
                    } else {
                        let other = 1 - outcome
                        let otherPrice = max(0.02, min(0.97, (100 - (price * 100).rounded() - 1) / 100))
                        out.append(
                            trade(
                                w, m, outcome: other, side: .buy, notional: notional, at: t + Int64(rng.next() % 300),
                                price: otherPrice))
                    }
                }
            case .bot:
                let period = Int64(120 + rng.next() % 780)
                let from = options.start + Int64(rng.unit() * 0.7 * Double(span))
                let pool = (0..<4).map { _ in Int(rng.next() % UInt64(markets.count)) }
                var t = from
                var holding: Trade?
                for _ in 0..<(300 + Int(rng.next() % 300)) {
                    t += period + Int64(rng.next() % 3) - 1
                    if var h = holding {
                        h.side = .sell
                        h.timestamp = t
                        h.transactionHash = "0x" + rng.hex(bytes: 32)
                        out.append(h)
                        holding = nil
                        continue
                    }
                    guard let m = openMarket(at: t, &rng, among: pool) ?? openMarket(at: t, &rng) else { continue }
                    let yes = yesPrice(m, at: t, noise: rng.normal())
                    let outcome = Int(rng.next() % 2)
                    let price = outcome == 0 ? yes : (100 - (yes * 100).rounded()) / 100
                    let entry = trade(
                        w, m, outcome: outcome, side: .buy,
                        notional: TradeHistoryGenerator.logNormal(&rng, median: 15, sigma: 0.3), at: t, price: price)
                    out.append(entry)
                    holding = entry
                }
            }
        }
        out = out.filter { t in t.timestamp < options.start + span }
        return out.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(
            \.element)
    }
}
