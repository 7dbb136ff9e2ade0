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

    /// Creates an intent.
    public init(signalKey: String, basketId: Int64?, conditionId: String, eventSlug: String, asset: String, side: TradeSide,
                price: Micros, shares: Micros, whalePrice: Micros, wallets: [Address]) {
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

/// The risk manager's state and rules. Pure: `evaluate` answers from the state and the clock; `record…`
/// methods move the state (the actor persists it).
public struct RiskState: Sendable, Hashable, Codable {
    public var limits: RiskLimits
    public var tradingState: TradingState = .active
    public var equity: Micros
    public var startOfDayEquity: Micros
    /// Realised + unrealised PnL of the current UTC day.
    public var todayPnl: Micros = .zero
    /// Open position cost per asset, and the event each belongs to.
    public var positions: [String: Micros] = [:]
    public var positionEvents: [String: String] = [:]
    /// Times (Unix seconds) of recent orders.
    public var recentOrders: [Int64] = []
    public var cooldowns: [Cooldown] = []

    /// Creates a state.
    public init(limits: RiskLimits, equity: Micros) {
        self.limits = limits
        self.equity = equity
        self.startOfDayEquity = equity
    }

    /// Total open exposure.
    public var exposure: Micros { Micros.sum(positions.values) }

    /// Approves or denies an entry (BUY) or reduction (SELL).
    public func evaluate(_ intent: OrderIntent, now: Int64) -> RiskDecision {
        let reducing = intent.side == .sell && (positions[intent.asset] ?? .zero) > .zero
        switch tradingState {
        case .halted: return .denied(.tradingHalted, context: [:])
        case .reconciling where !reducing: return .denied(.streamReconciling, context: [:])
        case .reduceOnly where !reducing: return .denied(.reducingOnly, context: [:])
        default: break
        }
        let recent = recentOrders.filter { $0 > now - 60 }.count
        if recent >= limits.maxOrdersPerMinute {
            return .denied(.orderRateExceeded, context: ["orders_last_minute": "\(recent)", "limit": "\(limits.maxOrdersPerMinute)"])
        }
        if reducing { return .approved(intent) }
        if let lock = cooldowns.first(where: { $0.until > now && applies($0.scope, to: intent) }) {
            return .denied(.cooldownActive, context: ["until": "\(lock.until)", "reason": lock.reason])
        }
        let lossLimit = Micros(Int64((Int128(startOfDayEquity.raw) * Int128(limits.dailyLossStopBps)) / 10_000))
        if todayPnl <= -lossLimit {
            return .denied(.dailyLossStop, context: ["today_pnl": "\(todayPnl)", "limit": "-\(lossLimit)"])
        }
        if intent.price > intent.whalePrice + limits.maxSlippage {
            return .denied(.slippageExceeded, context: ["price": "\(intent.price)", "whale_price": "\(intent.whalePrice)",
                                                        "max_slippage": "\(limits.maxSlippage)"])
        }
        let maxPosition = Micros(Int64((Int128(equity.raw) * Int128(limits.maxPositionBps)) / 10_000))
        let after = (positions[intent.asset] ?? .zero) + intent.notional
        if after > maxPosition {
            return .denied(.maxPositionExceeded, context: ["position_after": "\(after)", "limit": "\(maxPosition)"])
        }
        if positions[intent.asset] == nil, !intent.eventSlug.isEmpty {
            let inEvent = positionEvents.filter { $0.value == intent.eventSlug && positions[$0.key] != nil }.count
            if inEvent >= limits.maxPositionsPerEvent {
                return .denied(.tooManyPositionsInEvent, context: ["event": intent.eventSlug, "open": "\(inEvent)"])
            }
        }
        if exposure + intent.notional > limits.maxExposure {
            return .denied(.maxExposureExceeded, context: ["exposure_after": "\(exposure + intent.notional)", "limit": "\(limits.maxExposure)"])
        }
        return .approved(intent)
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

    /// A fill: BUY adds cost to the position, SELL removes cost pro rata (`costReleased`), realising PnL.
    public mutating func recordFill(asset: String, eventSlug: String, side: TradeSide, cost: Micros, realized: Micros = .zero) {
        if side == .buy {
            positions[asset, default: .zero] += cost
            positionEvents[asset] = eventSlug
        } else {
            let left = (positions[asset] ?? .zero) - cost
            if left > .zero { positions[asset] = left } else {
                positions[asset] = nil
                positionEvents[asset] = nil
            }
        }
        todayPnl += realized
        equity += realized
    }

    /// Marks move unrealised PnL (affects the daily loss stop and equity).
    public mutating func recordMark(pnlChange: Micros) {
        todayPnl += pnlChange
        equity += pnlChange
    }

    /// A new UTC day: the loss stop starts again from current equity.
    public mutating func startDay() {
        startOfDayEquity = equity
        todayPnl = .zero
    }
}
