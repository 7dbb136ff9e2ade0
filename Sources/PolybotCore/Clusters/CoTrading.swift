import Foundation

/// The co-trading test's parameters (issue 31, "Co-trading links").
public struct CoTradingRules: Sendable, Hashable {
    /// Two trades co-occur when one follows the other on the same token and side within this many seconds.
    public var windowSeconds: Int64 = 60
    /// The shortest activity period a wallet's rate in a market is computed over (one trade has no period).
    public var minSpanSeconds: Int64 = 3_600
    /// A pair needs at least this many co-occurrences.
    public var minShared = 5
    /// Family-wise error rate over every pair of tracked wallets (Bonferroni: each pair is tested at
    /// `alpha / pairs`), so independent wallets are linked by chance with probability at most `alpha` per run.
    public var alpha = 0.01

    /// The defaults.
    public init() {}
}

/// Co-trading links from trades alone: pairs of wallets that trade the same token on the same side within a short
/// window far more often than their activity explains.
///
/// The statistic: `n`, the trades of either wallet that follow a trade of the other on the same (token, side) within
/// the window. Under independence a trade of `a` lands within the window of one of `b`'s `k_b` trades on a (token,
/// side) with probability about `window·k_b / S_b` on either side, where `S_b` is `b`'s own active period in that market
/// (first to last trade; at least ``CoTradingRules/minSpanSeconds``, at most the market's span), so `n` is close to
/// Poisson with mean `E = Σ (k_a·min(1, window·k_b / S_b) + k_b·min(1, window·k_a / S_a))` over the pair's shared
/// (token, side)s. A pair is linked when `n ≥ minShared`
/// and `P(Poisson(E) ≥ n) ≤ alpha / pairs`. Fed in time order; ``links(at:)`` says what is significant at a time.
public struct CoTrading: Sendable {
    public let rules: CoTradingRules
    /// Wallets tested (nil: every wallet fed).
    public let tracked: Set<Address>?
    /// Recent trades per (token, side): (time, wallet), within the window of the newest.
    private var recent: [String: [(time: Int64, wallet: Address)]] = [:]
    /// First and last trade time of every market, over all trades fed (the span of the expectation: the time over
    /// which independent traders' trades in it spread).
    private var span: [String: (first: Int64, last: Int64)] = [:]
    /// The market of every (token, side).
    private var market: [String: String] = [:]
    /// First and last trade of every tracked wallet in every market (its own activity period there).
    private var activity: [Address: [String: (first: Int64, last: Int64)]] = [:]
    /// Trades per wallet per (token, side).
    private var counts: [Address: [String: Int]] = [:]
    /// Co-occurrences per pair (lower address first).
    private var shared: [Pair: Int] = [:]

    private struct Pair: Hashable, Sendable {
        var a: Address
        var b: Address
        init(_ x: Address, _ y: Address) {
            a = min(x, y)
            b = max(x, y)
        }
    }

    /// Creates an empty test over `tracked` wallets (nil: all).
    public init(rules: CoTradingRules = CoTradingRules(), tracked: Set<Address>? = nil) {
        self.rules = rules
        self.tracked = tracked
    }

    /// Feeds one trade (time order).
    public mutating func add(_ t: Trade) {
        let bucket = t.asset + (t.side == .buy ? "|B" : "|S")
        if let s = span[t.conditionId] {
            span[t.conditionId] = (min(s.first, t.timestamp), max(s.last, t.timestamp))
        } else {
            span[t.conditionId] = (t.timestamp, t.timestamp)
        }
        market[bucket] = t.conditionId
        guard tracked?.contains(t.wallet) ?? true else { return }
        if let s = activity[t.wallet]?[t.conditionId] {
            activity[t.wallet]![t.conditionId] = (min(s.first, t.timestamp), max(s.last, t.timestamp))
        } else {
            activity[t.wallet, default: [:]][t.conditionId] = (t.timestamp, t.timestamp)
        }
        counts[t.wallet, default: [:]][bucket, default: 0] += 1
        var list = recent[bucket, default: []]
        let cutoff = t.timestamp - rules.windowSeconds
        if let keep = list.firstIndex(where: { $0.time >= cutoff }) {
            list.removeFirst(keep)
        } else {
            list.removeAll()
        }
        var partners = Set<Address>()
        for r in list where r.wallet != t.wallet && partners.insert(r.wallet).inserted {
            shared[Pair(t.wallet, r.wallet), default: 0] += 1
        }
        list.append((t.timestamp, t.wallet))
        recent[bucket] = list
    }

    /// The pairs significant on the trades fed so far, each linked `since` the given time.
    public func links(at since: Int64) -> [WalletLink] {
        let wallets = counts.count
        guard wallets > 1 else { return [] }
        let pairs = Double(wallets) * Double(wallets - 1) / 2
        let level = rules.alpha / pairs
        var out: [WalletLink] = []
        for (pair, n) in shared where n >= rules.minShared {
            let expected = expectation(pair)
            let p = Self.poissonUpperTail(n, mean: expected)
            guard p <= level else { continue }
            out.append(
                WalletLink(pair.a, pair.b, since: since, evidence: .coTrading(shared: n, expected: expected, pValue: p))
            )
        }
        return out.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }

    /// Every pair that co-traded at least once, with its count (the reference a plain threshold would read).
    public var pairCounts: [(a: Address, b: Address, shared: Int)] {
        shared.map { ($0.key.a, $0.key.b, $0.value) }.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }

    /// `E` of a pair: over the (token, side)s both traded, each wallet's trades times the chance one lands within the
    /// window after one of the other's.
    private func expectation(_ pair: Pair) -> Double {
        guard let ca = counts[pair.a], let cb = counts[pair.b] else { return 0 }
        var e = 0.0
        let window = Double(rules.windowSeconds)
        // In key order: the same sum however the dictionary was built (a restored test agrees bit for bit).
        for (bucket, ka) in ca.sorted(by: { $0.key < $1.key }) {
            guard let kb = cb[bucket], let m = market[bucket] else { continue }
            // Each wallet's rate in the market is its trades over its own active period there (at least
            // `minSpanSeconds`, at most the market's span): a busy wallet co-trades often by chance, and this says so.
            func width(_ w: Address) -> Double {
                let own = activity[w]?[m].map { $0.last - $0.first } ?? 0
                let whole = span[m].map { $0.last - $0.first } ?? 0
                return Double(max(min(max(own, rules.minSpanSeconds), max(whole, 2 * rules.windowSeconds)), 1))
            }
            // Either wallet's trade may be the later one: a's trades after b's, and b's after a's.
            e +=
                Double(ka) * min(1, window * Double(kb) / width(pair.b))
                + Double(kb) * min(1, window * Double(ka) / width(pair.a))
        }
        return e
    }

    /// P(X ≥ n) for X ~ Poisson(mean), summed in log space from n upwards.
    public static func poissonUpperTail(_ n: Int, mean: Double) -> Double {
        guard n > 0 else { return 1 }
        guard mean > 0 else { return 0 }
        // log P(X = n) = −mean + n·log(mean) − log(n!)
        var logTerm = -mean + Double(n) * log(mean) - lgamma(Double(n) + 1)
        var sum = 0.0
        var k = n
        while k < n + 10_000 {
            let term = exp(logTerm)
            sum += term
            if term < sum * 1e-12, Double(k) > mean { break }
            k += 1
            logTerm += log(mean) - log(Double(k))
        }
        return min(1, sum)
    }
}

extension CoTrading: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        w.write(rules.windowSeconds)
        w.write(rules.minSpanSeconds)
        w.write(rules.minShared)
        w.write(rules.alpha)
        w.write(tracked.map { $0.sorted() })
        w.put(UInt32(recent.count))
        for (bucket, list) in recent {
            w.write(bucket)
            w.write(list.map(\.time))
            w.write(list.map(\.wallet))
        }
        func spans(_ d: [String: (first: Int64, last: Int64)], into w: inout ArchiveWriter) {
            w.put(UInt32(d.count))
            for (k, s) in d {
                w.write(k)
                w.write(s.first)
                w.write(s.last)
            }
        }
        spans(span, into: &w)
        w.write(market)
        w.put(UInt32(activity.count))
        for (wallet, d) in activity {
            w.write(wallet)
            spans(d, into: &w)
        }
        w.write(counts)
        w.put(UInt32(shared.count))
        for (pair, n) in shared {
            w.write(pair.a)
            w.write(pair.b)
            w.write(n)
        }
    }

    public init(unarchiving r: inout ArchiveReader) throws {
        var rules = CoTradingRules()
        rules.windowSeconds = try r.read()
        rules.minSpanSeconds = try r.read()
        rules.minShared = try r.read()
        rules.alpha = try r.read()
        let tracked: [Address]? = try r.read()
        self.init(rules: rules, tracked: tracked.map(Set.init))
        for _ in 0..<(try r.count()) {
            let bucket: String = try r.read()
            let times: [Int64] = try r.read()
            let wallets: [Address] = try r.read()
            guard times.count == wallets.count else {
                throw ArchiveReader.Failure(
                    "co-trading window of \(bucket): \(times.count) times, \(wallets.count) wallets")
            }
            recent[bucket] = zip(times, wallets).map { (time: $0, wallet: $1) }
        }
        func spans(_ r: inout ArchiveReader) throws -> [String: (first: Int64, last: Int64)] {
            var d: [String: (first: Int64, last: Int64)] = [:]
            for _ in 0..<(try r.count()) {
                let k: String = try r.read()
                d[k] = (try r.read(), try r.read())
            }
            return d
        }
        span = try spans(&r)
        market = try r.read()
        for _ in 0..<(try r.count()) {
            let wallet: Address = try r.read()
            activity[wallet] = try spans(&r)
        }
        counts = try r.read()
        for _ in 0..<(try r.count()) {
            let a: Address = try r.read()
            let b: Address = try r.read()
            shared[Pair(a, b)] = try r.read(Int.self)
        }
    }
}
