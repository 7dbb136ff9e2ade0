/// Why a copy from the tape did not fill (wholly or at all).
public enum TapeShortfall: String, Sendable, Hashable, Codable {
    /// No print on the token after the copy delay and before the order's lifetime ended.
    case noLaterPrint = "no_later_print"
    /// Later prints, but none at a price inside our limit.
    case noPrintWithinLimit = "no_print_within_limit"
    /// Prints inside the limit, but our participation share of them (less what our earlier orders took) ran out
    /// before the order was filled.
    case liquidityExhausted = "liquidity_exhausted"
    /// A print's fee could not be computed (a price outside 0…1): the order stops there, never filled on a guess.
    case feeNotComputable = "fee_not_computable"
}

/// A copy order's fill from the recorded tape.
public struct TapeFill: Sendable, Hashable {
    /// (price, shares) per print taken, in tape order.
    public var fills: [PaperLevel]
    public var filledShares: Micros
    /// USDC paid (BUY) or received (SELL), before fees.
    public var notional: Micros
    /// Taker fee in USDC: the market's schedule on each print's shares and price, summed.
    public var fee: Micros
    /// Shares not filled.
    public var remaining: Micros
    /// Why it is not wholly filled; nil when it is.
    public var shortfall: TapeShortfall?
    /// Market time (Unix seconds) of the last print taken; nil when nothing filled.
    public var lastFillAt: Int64?

    /// Volume-weighted price of the fills.
    public var averagePrice: Micros? {
        filledShares > .zero
            ? Micros(Int64((Int128(notional.raw) * Int128(Micros.scale)) / Int128(filledShares.raw))) : nil
    }

    /// What copying late cost against the whales' price: (our average − whale) × shares for a BUY, the reverse for
    /// a SELL.
    public func copyDelayCost(side: TradeSide, whalePrice: Micros) -> Micros {
        let whale = filledShares.multiplied(by: whalePrice)
        return side == .buy ? notional - whale : whale - notional
    }
}

/// Fills from the recorded tape: no invented book. After the copy delay a copy order takes liquidity from the prints
/// that follow on its token — at each later print whose price is within the limit it fills at that print's price, at
/// most `participation` of the print's size less what our earlier orders already took from it, until filled or until
/// the order's lifetime ends. Where the tape has no later print inside the limit, the copy does not fill (it never
/// gets the whale's price). Our own fills deplete what later orders can take: one value per run.
public struct TapeFills: Sendable {
    /// One print of the tape.
    public struct Print: Sendable, Hashable {
        /// Unix seconds.
        public var time: Int64
        public var price: Micros
        public var size: Micros
        /// Its place in the history (trades of one second keep their order).
        public var index: Int

        /// Creates a print.
        public init(time: Int64, price: Micros, size: Micros, index: Int = 0) {
            self.time = time
            self.price = price
            self.size = size
            self.index = index
        }
    }

    /// What a copy order asks of the tape.
    public struct Order: Sendable, Hashable {
        public var token: String
        public var side: TradeSide
        public var shares: Micros
        public var limit: Micros
        /// When the order could first take liquidity: detection + the copy delay (ms since the epoch).
        public var dueMs: Int64
        /// When it was detected (ms): only prints strictly after it count (never the whale's own trade).
        public var detectedMs: Int64
        /// How long it may rest, seconds after `dueMs`.
        public var lifetimeSeconds: Int64
        public var fees: FeeSchedule

        /// Creates an order.
        public init(
            token: String, side: TradeSide, shares: Micros, limit: Micros, dueMs: Int64, detectedMs: Int64,
            lifetimeSeconds: Int64, fees: FeeSchedule
        ) {
            self.token = token
            self.side = side
            self.shares = shares
            self.limit = limit
            self.dueMs = dueMs
            self.detectedMs = detectedMs
            self.lifetimeSeconds = lifetimeSeconds
            self.fees = fees
        }
    }

    /// The share of each print an order of ours may take, basis points (1 … 10,000).
    public let participationBps: Int64
    private let prints: [String: [Print]]
    /// Shares already taken from a print by our earlier orders: token → print index → shares.
    private var taken: [String: [Int: Micros]] = [:]

    /// Indexes a history's trades by token, in the order given (time order).
    public init(trades: [Trade], participationBps: Int) {
        var prints: [String: [Print]] = [:]
        for (i, t) in trades.enumerated() {
            prints[t.asset, default: []].append(Print(time: t.timestamp, price: t.price, size: t.size, index: i))
        }
        self.init(prints: prints, participationBps: participationBps)
    }

    /// Creates the tape from prints per token (each list in time order).
    public init(prints: [String: [Print]], participationBps: Int) {
        self.prints = prints
        self.participationBps = Int64(min(10_000, max(0, participationBps)))
    }

    /// The price of the last print on `token` at or before history index `index` (the trade being handled: never a
    /// later one of the same second); nil before its first print.
    public func lastPrice(token: String, throughIndex index: Int) -> Micros? {
        guard let list = prints[token] else { return nil }
        var lo = 0
        var hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].index <= index { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? list[lo - 1].price : nil
    }

    /// Fills `order` from the prints after its due time and records what it took.
    public mutating func fill(_ order: Order) -> TapeFill {
        var result = TapeFill(
            fills: [], filledShares: .zero, notional: .zero, fee: .zero, remaining: order.shares, shortfall: nil,
            lastFillAt: nil)
        guard order.shares > .zero else { return result }
        let list = prints[order.token] ?? []
        // The first print at or after the due time and strictly after detection.
        let startSecond = max((order.dueMs + 999) / 1_000, order.detectedMs / 1_000 + 1)
        let end = startSecond + order.lifetimeSeconds
        var i = firstIndex(list, after: startSecond - 1)
        var sawPrint = false
        var sawWithinLimit = false
        while i < list.count, list[i].time <= end, result.remaining > .zero {
            let p = list[i]
            sawPrint = true
            defer { i += 1 }
            guard order.side == .buy ? p.price <= order.limit : p.price >= order.limit else { continue }
            sawWithinLimit = true
            let share = Micros(Int64((Int128(p.size.raw) * Int128(participationBps)) / 10_000))
            let available = share - (taken[order.token]?[i] ?? .zero)
            guard available > .zero else { continue }
            let take = min(available, result.remaining)
            guard let fee = order.fees.takerFee(shares: take, price: p.price) else {
                result.shortfall = .feeNotComputable
                return result
            }
            taken[order.token, default: [:]][i, default: .zero] += take
            result.fills.append(PaperLevel(price: p.price, size: take))
            result.filledShares += take
            result.notional += take.multiplied(by: p.price)
            result.fee += fee
            result.remaining -= take
            result.lastFillAt = p.time
        }
        if result.remaining > .zero {
            result.shortfall =
                !sawPrint ? .noLaterPrint : !sawWithinLimit ? .noPrintWithinLimit : .liquidityExhausted
        }
        return result
    }

    /// The index of the first print with time > `time`.
    private func firstIndex(_ list: [Print], after time: Int64) -> Int {
        var lo = 0
        var hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].time <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
