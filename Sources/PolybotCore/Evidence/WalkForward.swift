/// How a backtest's basket is formed at each rescoring.
public enum BasketRule: Sendable, Hashable, CustomStringConvertible {
    /// The top N `informed` wallets (a positive edge surviving BH), by the edge's 95 % lower bound.
    case topInformed(Int)
    /// The top N wallets (not bots or market makers) by cost-weighted 1 h markout over ≥ 20 trades: early skill,
    /// before markets resolve. No false-discovery control: exploratory.
    case topMarkout(Int)

    /// `top:N` or `markout:N`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]), n > 0 else { return nil }
        switch parts[0] {
        case "top": self = .topInformed(n)
        case "markout": self = .topMarkout(n)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .topInformed(let n): "top:\(n)"
        case .topMarkout(let n): "markout:\(n)"
        }
    }

    /// The most members the rule picks.
    public var size: Int {
        switch self {
        case .topInformed(let n), .topMarkout(let n): n
        }
    }

    /// The members chosen from a snapshot.
    public func choose(_ results: [WalletScoring.Result]) -> [WalletScore] {
        switch self {
        case .topInformed(let n):
            return results.map(\.score).filter { $0.walletClass == .informed }.sorted {
                Self.lowerBound($0) != Self.lowerBound($1)
                    ? Self.lowerBound($0) > Self.lowerBound($1) : $0.wallet < $1.wallet
            }.prefix(n).map { $0 }
        case .topMarkout(let n):
            let eligible = results.map(\.score).filter { s in
                s.walletClass != .bot && s.walletClass != .marketMaker && s.markoutTrades >= 20
                    && (s.markout1h ?? 0) > 0
            }
            let ranked = eligible.sorted { (a: WalletScore, b: WalletScore) -> Bool in
                let x = a.markout1h ?? 0
                let y = b.markout1h ?? 0
                return x != y ? x > y : a.wallet < b.wallet
            }
            return Array(ranked.prefix(n))
        }
    }

    /// The score's edge lower bound (``WalletScore/edgeLowerBound``); a wallet without that evidence ranks last.
    public static func lowerBound(_ s: WalletScore) -> Double { s.edgeLowerBound ?? -.infinity }
}

/// One rescoring of a walk-forward run.
public struct Rescoring: Sendable, Codable, Hashable {
    /// Market time (Unix seconds) the snapshot is as of; the basket holds from then.
    public var time: Int64
    public var walletsScored: Int
    public var walletsTested: Int
    public var informed: Int
    /// The members chosen (hex), in rank order.
    public var basket: [String]

    /// Creates a rescoring.
    public init(time: Int64, walletsScored: Int, walletsTested: Int, informed: Int, basket: [String]) {
        self.time = time
        self.walletsScored = walletsScored
        self.walletsTested = walletsTested
        self.informed = informed
        self.basket = basket
    }
}

/// The walk-forward's scoring: one ``ScoreFold`` over every trade in time order; at each rescoring time `T` it folds
/// the trades before `T`, snapshots (BH across every wallet tested) and applies the basket rule. Nothing after `T`
/// is read: a basket held from `T` was knowable at `T`.
public struct WalkForward: Sendable {
    private let all: [Trade]
    private let rule: BasketRule?
    private let fixed: Set<Address>?
    private var fold: ScoreFold
    private var next = 0
    /// Every rescoring so far, in time order.
    public private(set) var rescorings: [Rescoring] = []
    /// The largest basket chosen so far.
    public private(set) var largestBasket = 0

    /// A rule's walk-forward (`rule`), or a fixed basket whose snapshots are still taken point in time (`fixed`).
    public init(
        all: [Trade], resolutions: [String: MarketResolution], parameters: ScoringParameters, rule: BasketRule?,
        fixed: [Address]? = nil
    ) {
        self.all = all
        self.rule = rule
        self.fixed = fixed.map(Set.init)
        fold = ScoreFold(resolutions: resolutions, parameters: parameters)
    }

    /// The rescoring times a replay clock started at `startMs` ticks at every `every` seconds, up to `end` (Unix
    /// seconds, inclusive): the multiples of the interval after the start.
    public static func times(startMs: Int64, every: Int64, through end: Int64) -> [Int64] {
        let step = every * 1_000
        var t = (startMs.floorDividedBy(step) + 1) * step
        var out: [Int64] = []
        while t / 1_000 <= end {
            out.append(t / 1_000)
            t += step
        }
        return out
    }

    /// Scores as of `t` and returns the snapshots of the members to hold from `t`.
    public mutating func rescore(at t: Int64) -> [WalletScore] {
        while next < all.count && all[next].timestamp < t {
            fold.add(all[next])
            next += 1
        }
        let results = fold.snapshot(asOf: t)
        let chosen: [WalletScore]
        if let rule {
            chosen = rule.choose(results)
        } else {
            let members = fixed ?? []
            chosen = results.map(\.score).filter { members.contains($0.wallet) }
        }
        largestBasket = max(largestBasket, chosen.count)
        rescorings.append(
            Rescoring(
                time: t, walletsScored: results.count,
                walletsTested: results.filter { $0.score.qValue != nil }.count,
                informed: results.filter { $0.score.walletClass == .informed }.count,
                basket: rule == nil ? [] : chosen.map(\.wallet.hex)))
        return chosen
    }
}
