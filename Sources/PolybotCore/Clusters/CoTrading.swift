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
    // Tokens, markets and wallets are numbered as they are first fed: a trade costs three string lookups, and the
    // state is arrays and integer-keyed tables (at 20M trades this test ran slower than the scoring fold itself).
    /// Token → its number; a (token, side) bucket is `2·number + (sell ? 1 : 0)`.
    private var tokenNumbers: [String: Int32] = [:]
    private var tokens: [String] = []
    private var marketNumbers: [String: Int32] = [:]
    private var markets: [String] = []
    private var walletNumbers: [Address: Int32] = [:]
    private var wallets: [Address] = []
    /// Recent trades per bucket: (time, wallet), within the window of the newest.
    private var recent: [[(time: Int64, wallet: Int32)]] = []
    /// The market of every bucket (-1 until a trade on it was fed).
    private var marketOfBucket: [Int32] = []
    /// First and last trade time of every market, over all trades fed (the span of the expectation: the time over
    /// which independent traders' trades in it spread).
    private var span: [(first: Int64, last: Int64)] = []
    /// First and last trade of every tracked wallet in every market (its own activity period there), by
    /// `wallet << 32 | market`.
    private var activity: [Int64: (first: Int64, last: Int64)] = [:]
    /// Trades per wallet per bucket, by wallet number.
    private var counts: [[Int32: Int]] = []
    /// Co-occurrences per pair of wallet numbers (`lower << 32 | higher`).
    private var shared: [Int64: Int] = [:]
    /// Per wallet number, the last trade (by ``fed``) that counted it as a partner: each partner once per trade, in
    /// time linear in the window (not kept in the archive).
    private var partnerOf: [Int] = []
    private var fed = 0

    /// Creates an empty test over `tracked` wallets (nil: all).
    public init(rules: CoTradingRules = CoTradingRules(), tracked: Set<Address>? = nil) {
        self.rules = rules
        self.tracked = tracked
    }

    private mutating func bucket(_ token: String, _ side: TradeSide) -> Int {
        let n: Int32
        if let known = tokenNumbers[token] {
            n = known
        } else {
            n = Int32(tokens.count)
            tokenNumbers[token] = n
            tokens.append(token)
            recent.append(contentsOf: [[], []])
            marketOfBucket.append(contentsOf: [-1, -1])
        }
        return 2 * Int(n) + (side == .buy ? 0 : 1)
    }

    private mutating func marketNumber(_ id: String) -> Int32 {
        if let known = marketNumbers[id] { return known }
        let n = Int32(markets.count)
        marketNumbers[id] = n
        markets.append(id)
        span.append((Int64.max, Int64.min))
        return n
    }

    private mutating func walletNumber(_ w: Address) -> Int32 {
        if let known = walletNumbers[w] { return known }
        let n = Int32(wallets.count)
        walletNumbers[w] = n
        wallets.append(w)
        counts.append([:])
        partnerOf.append(-1)
        return n
    }

    private static func key(_ high: Int32, _ low: Int32) -> Int64 { Int64(high) << 32 | Int64(UInt32(bitPattern: low)) }

    /// Feeds one trade (time order).
    public mutating func add(_ t: Trade) {
        let b = bucket(t.asset, t.side)
        let m = marketNumber(t.conditionId)
        span[Int(m)] = (min(span[Int(m)].first, t.timestamp), max(span[Int(m)].last, t.timestamp))
        marketOfBucket[b] = m
        guard tracked?.contains(t.wallet) ?? true else { return }
        let w = walletNumber(t.wallet)
        let at = Self.key(w, m)
        if let s = activity[at] {
            activity[at] = (min(s.first, t.timestamp), max(s.last, t.timestamp))
        } else {
            activity[at] = (t.timestamp, t.timestamp)
        }
        counts[Int(w)][Int32(b), default: 0] += 1
        let cutoff = t.timestamp - rules.windowSeconds
        if let keep = recent[b].firstIndex(where: { $0.time >= cutoff }) {
            if keep > 0 { recent[b].removeFirst(keep) }
        } else {
            recent[b].removeAll(keepingCapacity: true)
        }
        fed += 1
        for r in recent[b] where r.wallet != w && partnerOf[Int(r.wallet)] != fed {
            // Each partner once per trade.
            partnerOf[Int(r.wallet)] = fed
            shared[Self.key(min(w, r.wallet), max(w, r.wallet)), default: 0] += 1
        }
        recent[b].append((t.timestamp, w))
    }

    /// A pair of wallet numbers from its key, as addresses, lower address first.
    private func addresses(_ key: Int64) -> (a: Address, b: Address) {
        let (x, y) = (wallets[Int(key >> 32)], wallets[Int(Int32(truncatingIfNeeded: key))])
        return (min(x, y), max(x, y))
    }

    /// The pairs significant on the trades fed so far, each linked `since` the given time.
    public func links(at since: Int64) -> [WalletLink] {
        let wallets = counts.count
        guard wallets > 1 else { return [] }
        let pairs = Double(wallets) * Double(wallets - 1) / 2
        let level = rules.alpha / pairs
        var out: [WalletLink] = []
        for (pair, n) in shared where n >= rules.minShared {
            let expected = expectation(Int32(pair >> 32), Int32(truncatingIfNeeded: pair))
            let p = Self.poissonUpperTail(n, mean: expected)
            guard p <= level else { continue }
            let (a, b) = addresses(pair)
            out.append(WalletLink(a, b, since: since, evidence: .coTrading(shared: n, expected: expected, pValue: p)))
        }
        return out.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }

    /// Every pair that co-traded at least once, with its count (the reference a plain threshold would read).
    public var pairCounts: [(a: Address, b: Address, shared: Int)] {
        shared.map {
            let (a, b) = addresses($0.key)
            return (a, b, $0.value)
        }
        .sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }

    /// The name of a bucket, `token|B` or `token|S` (the order the expectation sums in, and the archive's key).
    private func name(_ bucket: Int32) -> String { tokens[Int(bucket / 2)] + (bucket % 2 == 0 ? "|B" : "|S") }

    /// `E` of a pair: over the (token, side)s both traded, each wallet's trades times the chance one lands within the
    /// window after one of the other's.
    private func expectation(_ a: Int32, _ b: Int32) -> Double {
        let (ca, cb) = (counts[Int(a)], counts[Int(b)])
        var e = 0.0
        let window = Double(rules.windowSeconds)
        // In bucket-name order, lower address first: the same sum however the test was built (a restored test agrees
        // bit for bit).
        let (first, second) = wallets[Int(a)] < wallets[Int(b)] ? (a, b) : (b, a)
        let (cFirst, cSecond) = first == a ? (ca, cb) : (cb, ca)
        for (bucket, kFirst) in cFirst.map({ ($0.key, $0.value) }).sorted(by: { name($0.0) < name($1.0) }) {
            guard let kSecond = cSecond[bucket] else { continue }
            let m = marketOfBucket[Int(bucket)]
            guard m >= 0 else { continue }
            // Each wallet's rate in the market is its trades over its own active period there (at least
            // `minSpanSeconds`, at most the market's span): a busy wallet co-trades often by chance, and this says so.
            func width(_ w: Int32) -> Double {
                let own = activity[Self.key(w, m)].map { $0.last - $0.first } ?? 0
                let s = span[Int(m)]
                let whole = s.first <= s.last ? s.last - s.first : 0
                return Double(max(min(max(own, rules.minSpanSeconds), max(whole, 2 * rules.windowSeconds)), 1))
            }
            // Either wallet's trade may be the later one: a's trades after b's, and b's after a's.
            e +=
                Double(kFirst) * min(1, window * Double(kSecond) / width(second))
                + Double(kSecond) * min(1, window * Double(kFirst) / width(first))
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
    // The archive names tokens, markets and wallets (not their numbers), so it reads back whatever order they are
    // numbered in.
    public func archive(into w: inout ArchiveWriter) {
        w.write(rules.windowSeconds)
        w.write(rules.minSpanSeconds)
        w.write(rules.minShared)
        w.write(rules.alpha)
        w.write(tracked.map { $0.sorted() })
        let windows = recent.indices.filter { !recent[$0].isEmpty }
        w.put(UInt32(windows.count))
        for b in windows {
            w.write(name(Int32(b)))
            w.write(recent[b].map(\.time))
            w.write(recent[b].map { wallets[Int($0.wallet)] })
        }
        let seen = markets.indices.filter { span[$0].first <= span[$0].last }
        w.put(UInt32(seen.count))
        for m in seen {
            w.write(markets[m])
            w.write(span[m].first)
            w.write(span[m].last)
        }
        let placed = marketOfBucket.indices.filter { marketOfBucket[$0] >= 0 }
        w.put(UInt32(placed.count))
        for b in placed {
            w.write(name(Int32(b)))
            w.write(markets[Int(marketOfBucket[b])])
        }
        var byWallet: [Int32: [(market: Int32, first: Int64, last: Int64)]] = [:]
        for (k, s) in activity {
            byWallet[Int32(k >> 32), default: []].append((Int32(truncatingIfNeeded: k), s.first, s.last))
        }
        w.put(UInt32(byWallet.count))
        for (wallet, list) in byWallet {
            w.write(wallets[Int(wallet)])
            w.put(UInt32(list.count))
            for e in list {
                w.write(markets[Int(e.market)])
                w.write(e.first)
                w.write(e.last)
            }
        }
        w.put(UInt32(counts.count))
        for (n, c) in counts.enumerated() {
            w.write(wallets[n])
            w.put(UInt32(c.count))
            for (bucket, k) in c {
                w.write(name(bucket))
                w.write(k)
            }
        }
        w.put(UInt32(shared.count))
        for (pair, n) in shared {
            let (a, b) = addresses(pair)
            w.write(a)
            w.write(b)
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
        func bucket(_ name: String) throws -> Int {
            guard name.hasSuffix("|B") || name.hasSuffix("|S") else {
                throw ArchiveReader.Failure("co-trading bucket \(name) is not token|B or token|S")
            }
            return self.bucket(String(name.dropLast(2)), name.hasSuffix("|B") ? .buy : .sell)
        }
        for _ in 0..<(try r.count()) {
            let name: String = try r.read()
            let times: [Int64] = try r.read()
            let members: [Address] = try r.read()
            guard times.count == members.count else {
                throw ArchiveReader.Failure(
                    "co-trading window of \(name): \(times.count) times, \(members.count) wallets")
            }
            let b = try bucket(name)
            recent[b] = zip(times, members).map { (time: $0, wallet: walletNumber($1)) }
        }
        for _ in 0..<(try r.count()) {
            let m = marketNumber(try r.read(String.self))
            span[Int(m)] = (try r.read(), try r.read())
        }
        for _ in 0..<(try r.count()) {
            let b = try bucket(try r.read(String.self))
            marketOfBucket[b] = marketNumber(try r.read(String.self))
        }
        for _ in 0..<(try r.count()) {
            let wallet = walletNumber(try r.read(Address.self))
            for _ in 0..<(try r.count()) {
                let m = marketNumber(try r.read(String.self))
                activity[Self.key(wallet, m)] = (try r.read(), try r.read())
            }
        }
        for _ in 0..<(try r.count()) {
            let wallet = walletNumber(try r.read(Address.self))
            for _ in 0..<(try r.count()) {
                let b = try bucket(try r.read(String.self))
                counts[Int(wallet)][Int32(b)] = try r.read(Int.self)
            }
        }
        for _ in 0..<(try r.count()) {
            let (a, b) = (walletNumber(try r.read(Address.self)), walletNumber(try r.read(Address.self)))
            shared[Self.key(min(a, b), max(a, b)), default: 0] = try r.read(Int.self)
        }
    }
}
