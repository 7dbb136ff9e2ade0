/// The kill switch and its neighbours.
public enum TradingState: String, Sendable, Hashable, Codable, CaseIterable {
    /// New entries allowed.
    case active
    /// Only orders that reduce positions.
    case reduceOnly = "reduce_only"
    /// Nothing new (the kill switch).
    case halted
    /// Startup reconciliation or feed backfill in progress: no new entries yet.
    case reconciling
}

/// A closed set of reasons, persisted and shown on the dashboard.
public enum DenialReason: String, Sendable, Hashable, Codable, CaseIterable {
    case tradingHalted = "trading_halted"
    case reducingOnly = "reducing_only"
    case streamReconciling = "stream_reconciling"
    case maxPositionExceeded = "max_position_exceeded"
    case tooManyPositionsInEvent = "too_many_positions_in_event"
    case slippageExceeded = "slippage_exceeded"
    case dailyLossStop = "daily_loss_stop"
    case maxExposureExceeded = "max_exposure_exceeded"
    case orderRateExceeded = "order_rate_exceeded"
    case cooldownActive = "cooldown_active"
    /// No order book to check the order against (approval re-check): nothing is sent on a guess.
    case noBook = "no_book"
    /// An amount in the check does not fit in 64-bit micro units.
    case amountOutOfRange = "amount_out_of_range"
}

/// What the risk manager is asked to approve.
public struct OrderIntent: Sendable, Hashable, Codable {
    public var signalKey: String
    public var basketId: Int64?
    public var conditionId: String
    public var eventSlug: String
    public var asset: String
    public var side: TradeSide
    /// Our limit price.
    public var price: Micros
    public var shares: Micros
    /// The whales' average price (for the slippage rule).
    public var whalePrice: Micros
    /// The agreeing wallets (for wallet cooldowns).
    public var wallets: [Address]
    /// The market's taker fee schedule, as the sizer priced the entry with it: the slippage rule then compares price +
    /// fee per share with the whales' price. nil for exits and for orders resumed from the store (approval re-checks),
    /// which are checked on their limit price.
    public var fees: FeeSchedule?
    /// The score snapshots (ids) the decision used: those sizing read (Kelly), else the signal's.
    public var scoreIds: [Int64]?

    /// Creates an intent.
    public init(
        signalKey: String, basketId: Int64?, conditionId: String, eventSlug: String, asset: String, side: TradeSide,
        price: Micros, shares: Micros, whalePrice: Micros, wallets: [Address], fees: FeeSchedule? = nil
    ) {
        self.fees = fees
        self.signalKey = signalKey
        self.basketId = basketId
        self.conditionId = conditionId
        self.eventSlug = eventSlug
        self.asset = asset
        self.side = side
        self.price = price
        self.shares = shares
        self.whalePrice = whalePrice
        self.wallets = wallets
    }

    /// shares × price.
    public var notional: Micros { shares.multiplied(by: price) }
}

/// The decision, with the numbers behind it.
public enum RiskDecision: Sendable, Hashable {
    case approved(OrderIntent)
    case denied(DenialReason, context: [String: String])

    /// True when approved.
    public var isApproved: Bool { if case .approved = self { true } else { false } }
}

/// Risk limits (configuration; defaults from the design).
public struct RiskLimits: Sendable, Hashable, Codable {
    /// Position ≤ this share of equity, basis points (500 = 5 %).
    public var maxPositionBps = 500
    public var maxPositionsPerEvent = 2
    /// Our price ≤ whale price + this.
    public var maxSlippage = Micros(50_000)
    /// Stop entries when today's loss ≥ this share of start-of-day equity, basis points (300 = 3 %).
    public var dailyLossStopBps = 300
    /// Total open exposure cap.
    public var maxExposure = Micros(2_000_000_000)
    public var maxOrdersPerMinute = 10

    /// The design's defaults.
    public init() {}
}

/// A time-boxed lock.
public struct Cooldown: Sendable, Hashable, Codable {
    public enum Scope: Sendable, Hashable, Codable {
        case market(String)
        case wallet(Address)
        case basket(Int64)
    }
    public var scope: Scope
    public var until: Int64
    public var reason: String

    /// Creates a lock.
    public init(scope: Scope, until: Int64, reason: String) {
        self.scope = scope
        self.until = until
        self.reason = reason
    }
}

/// Money set aside for an approved entry that has not finished: in the copy delay, resting on the book, waiting in
/// the approval queue or being placed. It counts toward every cap until the order fills (the filled part moves to the
/// position), is cancelled, expires or is rejected.
public struct Reservation: Sendable, Hashable, Codable {
    /// The order's idempotency key (`entry:<signal>`).
    public var key: String
    public var asset: String
    public var eventSlug: String
    /// Limit price × shares when approved.
    public var notional: Micros
    /// Cost filled so far (already counted in the position).
    public var filled: Micros

    /// Creates a reservation.
    public init(key: String, asset: String, eventSlug: String, notional: Micros, filled: Micros = .zero) {
        self.key = key
        self.asset = asset
        self.eventSlug = eventSlug
        self.notional = notional
        self.filled = filled
    }

    /// What is still set aside.
    public var open: Micros { notional > filled ? notional - filled : .zero }
}

/// The risk manager's state and rules. Pure: `evaluate` answers from the state and the clock; `record…`
/// methods move the state (the actor persists it).
///
/// Caps count **committed** money: filled positions plus the open part of every ``Reservation``; ``approve(_:key:now:)``
/// evaluates and reserves in one step, so two intents approved back to back can never both fit under a cap that
/// only one of them fits under.
public struct RiskState: Sendable, Hashable, Codable {
    public var limits: RiskLimits
    public var tradingState: TradingState = .active
    public var equity: Micros
    public var startOfDayEquity: Micros
    /// Open position cost per asset, and the event each belongs to.
    public var positions: [String: Micros] = [:]
    public var positionEvents: [String: String] = [:]
    /// Approved entries not yet finished, by idempotency key.
    public var reservations: [String: Reservation] = [:]
    /// Times (Unix seconds) of recent entry orders.
    public var recentOrders: [Int64] = []
    public var cooldowns: [Cooldown] = []

    /// Creates a state.
    public init(limits: RiskLimits, equity: Micros) {
        self.limits = limits
        self.equity = equity
        self.startOfDayEquity = equity
    }

    /// Today's PnL: equity now minus equity at the start of the UTC day (realised and the change in unrealised).
    public var todayPnl: Micros { equity - startOfDayEquity }

    /// Total open exposure of filled positions.
    public var exposure: Micros { Micros.sum(positions.values) }

    /// Total set aside for entries in flight.
    public var reserved: Micros { Micros.sum(reservations.values.map(\.open)) }

    /// True when today's loss has reached the daily stop.
    public var dailyLossStopReached: Bool { todayPnl <= -dailyLossLimit }

    private var dailyLossLimit: Micros {
        Micros(Int64(clamping: (Int128(startOfDayEquity.raw) * Int128(limits.dailyLossStopBps)) / 10_000))
    }

    /// Approves or denies an entry (BUY) or reduction (SELL), counting reservations except `excluding` (the intent's own,
    /// when an already reserved order is checked again).
    public func evaluate(_ intent: OrderIntent, now: Int64, excluding: String? = nil) -> RiskDecision {
        let reducing = intent.side == .sell && (positions[intent.asset] ?? .zero) > .zero
        switch tradingState {
        case .halted: return .denied(.tradingHalted, context: [:])
        case .reconciling where !reducing: return .denied(.streamReconciling, context: [:])
        case .reduceOnly where !reducing: return .denied(.reducingOnly, context: [:])
        default: break
        }
        // Exits are never held back by the entry order rate: getting flat matters more than pacing.
        if reducing { return .approved(intent) }
        let recent = recentOrders.filter { $0 > now - 60 }.count
        if recent >= limits.maxOrdersPerMinute {
            return .denied(
                .orderRateExceeded,
                context: ["orders_last_minute": "\(recent)", "limit": "\(limits.maxOrdersPerMinute)"])
        }
        if let lock = cooldowns.first(where: { $0.until > now && applies($0.scope, to: intent) }) {
            return .denied(.cooldownActive, context: ["until": "\(lock.until)", "reason": lock.reason])
        }
        if dailyLossStopReached {
            return .denied(.dailyLossStop, context: ["today_pnl": "\(todayPnl)", "limit": "-\(dailyLossLimit)"])
        }
        // What a share costs us: the limit price plus the taker fee at it (a fee we cannot compute denies).
        let paying: Micros
        if let fees = intent.fees {
            guard let p = fees.effectivePrice(intent.price) else {
                return .denied(.slippageExceeded, context: ["price": "\(intent.price)", "fee": "not computable"])
            }
            paying = p
        } else {
            paying = intent.price
        }
        if Int128(paying.raw) > Int128(intent.whalePrice.raw) + Int128(limits.maxSlippage.raw) {
            return .denied(
                .slippageExceeded,
                context: [
                    "price": "\(intent.price)", "price_with_fee": "\(paying)", "whale_price": "\(intent.whalePrice)",
                    "max_slippage": "\(limits.maxSlippage)",
                ])
        }
        let notional: Micros
        do { notional = try intent.shares.checkedMultiplied(by: intent.price) } catch {
            return .denied(.amountOutOfRange, context: ["shares": "\(intent.shares)", "price": "\(intent.price)"])
        }
        let open = reservations.values.filter { $0.key != excluding && $0.open > .zero }
        let maxPosition = Int128(equity.raw) * Int128(limits.maxPositionBps) / 10_000
        let committedAsset =
            Int128((positions[intent.asset] ?? .zero).raw)
            + Micros.wideSum(open.filter { $0.asset == intent.asset }.map(\.open))
        let after = committedAsset + Int128(notional.raw)
        if after > maxPosition {
            var context = ["position_after": Self.text(after), "limit": Self.text(maxPosition)]
            let reservedHere = Micros.sum(open.filter { $0.asset == intent.asset }.map(\.open))
            if reservedHere > .zero { context["reserved"] = "\(reservedHere)" }
            return .denied(.maxPositionExceeded, context: context)
        }
        if !intent.eventSlug.isEmpty, !committedAssets(excluding: excluding).contains(intent.asset) {
            let inEvent = assets(inEvent: intent.eventSlug, excluding: excluding).count
            if inEvent >= limits.maxPositionsPerEvent {
                return .denied(.tooManyPositionsInEvent, context: ["event": intent.eventSlug, "open": "\(inEvent)"])
            }
        }
        let exposureAfter = Micros.wideSum(positions.values) + Micros.wideSum(open.map(\.open)) + Int128(notional.raw)
        if exposureAfter > Int128(limits.maxExposure.raw) {
            return .denied(
                .maxExposureExceeded,
                context: ["exposure_after": "\(Self.text(exposureAfter))", "limit": "\(limits.maxExposure)"])
        }
        return .approved(intent)
    }

    /// Evaluates an entry and, when approved, reserves its notional under `key` and counts it toward the order rate.
    public mutating func approve(_ intent: OrderIntent, key: String, now: Int64) -> RiskDecision {
        let decision = evaluate(intent, now: now, excluding: key)
        guard case .approved = decision else { return decision }
        let reducing = intent.side == .sell && (positions[intent.asset] ?? .zero) > .zero
        if !reducing {
            recordOrder(now: now)
            if intent.side == .buy {
                // evaluate() proved the product fits.
                reservations[key] = Reservation(
                    key: key, asset: intent.asset, eventSlug: intent.eventSlug,
                    notional: intent.shares.multiplied(by: intent.price),
                    filled: reservations[key]?.filled ?? .zero)
            }
        }
        return decision
    }

    /// Tokens with a filled position or an open reservation.
    private func committedAssets(excluding: String?) -> Set<String> {
        var s = Set(positions.keys)
        for r in reservations.values where r.key != excluding && r.open > .zero { s.insert(r.asset) }
        return s
    }

    /// Distinct tokens of an event with a position or an open reservation.
    private func assets(inEvent event: String, excluding: String?) -> Set<String> {
        var s = Set(positionEvents.filter { $0.value == event && positions[$0.key] != nil }.map(\.key))
        for r in reservations.values where r.key != excluding && r.open > .zero && r.eventSlug == event {
            s.insert(r.asset)
        }
        return s
    }

    private static func text(_ wide: Int128) -> String {
        Int64(exactly: wide).map { "\(Micros($0))" } ?? "\(wide) micros"
    }

    private func applies(_ scope: Cooldown.Scope, to intent: OrderIntent) -> Bool {
        switch scope {
        case .market(let m): m == intent.conditionId
        case .wallet(let w): intent.wallets.contains(w)
        case .basket(let b): b == intent.basketId
        }
    }

    // MARK: - State changes

    /// An order was sent at `now` (counts towards the rate limit).
    public mutating func recordOrder(now: Int64) {
        recentOrders = recentOrders.filter { $0 > now - 60 } + [now]
    }

    /// The order under `key` has filled `filledCost` so far; a finished order (filled, cancelled, expired, rejected,
    /// failed) releases what is left of its reservation.
    public mutating func orderProgress(key: String, filledCost: Micros, finished: Bool) {
        if finished {
            reservations[key] = nil
        } else if var r = reservations[key] {
            r.filled = max(r.filled, filledCost)
            reservations[key] = r
        }
    }

    /// Releases a reservation whose order will never exist (placement failed before anything was stored).
    public mutating func release(key: String) { reservations[key] = nil }

    /// A fill: BUY adds cost to the position, SELL removes cost pro rata (`costReleased`), realising PnL.
    public mutating func recordFill(
        asset: String, eventSlug: String, side: TradeSide, cost: Micros, realized: Micros = .zero
    ) {
        if side == .buy {
            positions[asset, default: .zero] += cost
            positionEvents[asset] = eventSlug
        } else {
            let left = (positions[asset] ?? .zero) - cost
            if left > .zero {
                positions[asset] = left
            } else {
                positions[asset] = nil
                positionEvents[asset] = nil
            }
        }
        equity += realized
    }

    /// Marks move unrealised PnL (affects the daily loss stop and equity).
    public mutating func recordMark(pnlChange: Micros) {
        equity += pnlChange
    }

    /// A new UTC day: the loss stop starts again from current equity.
    public mutating func startDay() {
        startOfDayEquity = equity
    }
}

extension TradingState {
    /// The last step's rule: whether an order of `purpose` may be **sent to the venue** in this state (checked right
    /// before every POST, after the risk decision and any wait). Nil when it may; otherwise the reason, which names
    /// the order's end. Halted sends nothing; reduce-only (and reconciliation) sends exits only.
    public func refusal(sending purpose: OrderPurpose) -> DenialReason? {
        switch self {
        case .active: nil
        case .halted: .tradingHalted
        case .reduceOnly, .reconciling: purpose == .entry ? .reducingOnly : nil
        }
    }
}
