import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// The trading state (kill switch, reduce-only, the loss stop) and its persistence, which must work with the database down.
extension RiskManager {
    /// When today's loss first reaches the stop, our resting entries are cancelled (exits keep working).
    func checkLossStop() async {
        let reached = state.dailyLossStopReached
        defer { lossStopActed = reached }
        guard reached, !lossStopActed else { return }
        logger.error(
            "daily loss stop reached; cancelling resting entries", metadata: ["pnl.today": "\(state.todayPnl)"])
        events.publish(.tradingState(state.tradingState, reason: "daily loss stop reached (today \(state.todayPnl))"))
        await cancelResting?(true)
    }

    /// The kill switch and its neighbours.
    ///
    /// Halting and reduce-only are applied **in memory first** (and resting orders cancelled: all of them on halt,
    /// entries on reduce-only), then persisted and audited; when the database is down the change stays in force and is
    /// written by ``flushPendingState()`` once it is back. Resuming (`active`) is the opposite: it is persisted first
    /// (throws when it cannot be), then the reconciliation check runs, and trading resumes only when it finds nothing;
    /// otherwise the state becomes reduce-only and ``ResumeRefused`` lists the problems.
    ///
    /// - Returns: whether the change is persisted yet.
    @discardableResult
    package func setTradingState(_ s: TradingState, reason: String, actor: String) async throws -> Bool {
        if s == .active {
            try await persist(.init(state: s, reason: reason, actor: actor), within: persistTimeout)
            pendingPersist = nil
            removePendingFile()
            if let resumeCheck {
                let problems = await resumeCheck()
                if !problems.isEmpty {
                    let why = "resume refused: reconciliation found \(problems.count) problem(s)"
                    try await setTradingState(.reduceOnly, reason: why, actor: "system")
                    throw ResumeRefused(problems: problems)
                }
                do {
                    try await store.audit.append(
                        actor: "system", action: "reconciliation.passed", target: mode.rawValue,
                        details: #"{"before":"resume"}"#)
                } catch {
                    logger.warning("passed reconciliation not audited", metadata: ["error": "\(error)"])
                }
            }
            apply(s, reason: reason, actor: actor)
            return true
        }
        apply(s, reason: reason, actor: actor)
        await cancelResting?(s == .reduceOnly)
        let change = PendingState(state: s, reason: reason, actor: actor)
        do {
            try await persist(change, within: persistTimeout)
            pendingPersist = nil
            removePendingFile()
            return true
        } catch {
            pendingPersist = change
            unrecorded.increment()
            do { try pendingFile?.write(change) } catch {
                logger.critical("pending trading state not written to its file either", metadata: ["error": "\(error)"])
            }
            logger.error(
                "trading state applied in memory, not yet persisted; retried until the database answers",
                metadata: ["risk.state": "\(s.rawValue)", "error": "\(error)"])
            return false
        }
    }

    /// Writes a trading-state change that could not be persisted when it was made. Returns true when nothing is pending.
    @discardableResult
    package func flushPendingState() async -> Bool {
        guard let change = pendingPersist else { return true }
        do {
            try await persist(change)
            if pendingPersist == change {
                pendingPersist = nil
                removePendingFile()
            }
            logger.notice("pending trading state persisted", metadata: ["risk.state": "\(change.state.rawValue)"])
            return true
        } catch {
            return false
        }
    }

    /// The database has the change: the file is stale. A file that cannot be removed only makes the next start more
    /// cautious (the more cautious state wins), so it is logged, not thrown.
    func removePendingFile() {
        do { try pendingFile?.remove() } catch {
            logger.warning("pending trading-state file not removed", metadata: ["error": "\(error)"])
        }
    }

    /// True when a trading-state change waits to be written.
    package var hasPendingState: Bool { pendingPersist != nil }

    func apply(_ s: TradingState, reason: String, actor: String) {
        gate.set(s)
        storedState = s
        if state.tradingState != .reconciling { state.tradingState = s }
        recordTradingState()
        events.publish(.tradingState(s, reason: reason))
        logger.notice(
            "trading state changed",
            metadata: ["risk.state": "\(s.rawValue)", "risk.reason": "\(reason)", "actor": "\(actor)"])
    }

    /// ``persist(_:)`` bounded in time: a database that accepts connections but does not answer must not hold the
    /// operator's halt (already in force) or a resume (refused) for a minute.
    func persist(_ change: PendingState, within limit: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.persist(change) }
            group.addTask {
                try await Task.sleep(for: limit)  // clock-edge: database timeout (wall time by design)
                throw PersistTimeout(limit: limit)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    func persist(_ change: PendingState) async throws {
        try await store.execution.setTradingState(mode: mode, change.state, reason: change.reason, actor: change.actor)
        try await store.audit.append(
            actor: change.actor, action: "trading_state.\(change.state.rawValue)", target: mode.rawValue,
            details: #"{"reason":\#(jsonString(change.reason))}"#)
    }
}
