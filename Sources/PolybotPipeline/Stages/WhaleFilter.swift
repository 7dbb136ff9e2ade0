import AsyncAlgorithms
import Logging
import Metrics
import PolybotCore
import ServiceLifecycle
import Synchronization

/// Pipeline stage: keeps the trades that ``WhaleRules`` call whale trades.
///
/// Input: every accepted trade. Output: an `AsyncChannel`, whose `send` suspends until the next stage takes
/// the trade — after this point trades are never dropped (architecture.md, "Buffering is chosen per edge").
/// The stage ends when its input ends (no `cancelOnGracefulShutdown`: upstream finishing is the drain signal).
package actor WhaleFilter<Input: AsyncSequence & Sendable>: PipelineStage where Input.Element == ObservedTrade {
    /// Whale trades, in input order.
    package nonisolated let output = AsyncChannel<ObservedTrade>()
    package let input: Input
    private var rules: WhaleRules {
        didSet { published.withLock { $0 = rules } }
    }
    /// The rules in force, readable without the actor (the replay driver asks whether a trade can matter).
    private nonisolated let published: Mutex<WhaleRules>
    private let logger: Logger
    private let passed = Counter(label: "pipeline.whale_filter.passed")
    private let rejected: [WhaleVerdict: Counter]
    private let sellTap: (@Sendable (ObservedTrade) async -> Void)?
    private let work: WorkGauge?

    /// Creates the stage.
    /// Creates the stage; `sellTap` sees every SELL, whale-sized or not (exits mirror the copied wallets' sells of any size).
    package init(
        input: Input, rules: WhaleRules, sellTap: (@Sendable (ObservedTrade) async -> Void)? = nil,
        work: WorkGauge? = nil, logger: Logger
    ) {
        self.work = work
        self.input = input
        self.sellTap = sellTap
        self.rules = rules
        self.published = Mutex(rules)
        self.logger = logger
        var rejected: [WhaleVerdict: Counter] = [:]
        for (verdict, reason) in [
            (WhaleVerdict.denyListed, "deny_listed"), (.belowThreshold, "below_threshold"),
            (.marketExcluded, "market_excluded"),
        ] {
            rejected[verdict] = Counter(label: "pipeline.whale_filter.rejected", dimensions: [("reason", reason)])
        }
        self.rejected = rejected
    }

    /// Replaces the rules; the next trade is judged by the new ones.
    /// Replaces the allow and deny lists (operator changes); the next trade is judged by them.
    package func update(lists allow: Set<Address>, deny: Set<Address>) {
        rules.allow = allow
        rules.deny = deny
    }

    /// The rules in force.
    package func currentRules() -> WhaleRules { rules }

    /// Whether the rules in force pass `trade` (what this stage will decide when it reaches it).
    package nonisolated func wouldPass(_ trade: Trade) -> Bool { published.withLock { $0.evaluate(trade).passes } }

    package func update(rules: WhaleRules) {
        self.rules = rules
        logger.info("whale rules updated", metadata: ["whale.min_notional": "\(rules.minNotional)"])
    }

    /// Passes a whale trade on, counts a rejected one.
    package func handle(_ observed: ObservedTrade) async -> Bool {
        // A sell is mirrored on its first sighting only (another source's copy, or a retraction, is the same sell).
        if observed.trade.side == .sell, observed.kind == .first, let sellTap { await sellTap(observed) }
        let verdict = rules.evaluate(observed.trade)
        if verdict.passes {
            passed.increment()
            await output.send(observed)
        } else {
            rejected[verdict]?.increment()
            work.end()
        }
        return true
    }
}
