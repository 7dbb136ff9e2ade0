import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import ServiceLifecycle

/// Pipeline stage 7: hands approved orders to the run mode's gateway (paper, approve or live — one port) and records
/// how each signal ended: `filled`, `ordered` (resting or being resolved), `approved` (queued for an operator),
/// `rejected` with the venue's message, or `failed` with the error. Up to `concurrency` orders are in flight at
/// once (a paper fill waits for the copy delay; a live POST waits for the CLOB); every one is at-most-once by its
/// idempotency key, so concurrency never creates a second order.
package actor Executor<Input: AsyncSequence & Sendable>: Service where Input.Element == SizedOrder {
    private let input: Input
    private let gateway: any OrderGateway
    private let store: PolybotStore
    private let probe: LatencyProbe
    private let events: PipelineEvents
    private let concurrency: Int
    private let logger: Logger
    private let outcomes: [String: Counter]
    private let reservations: ReservationHooks
    private let statusErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "executor")])
    /// What each placement in flight is doing (by idempotency key): logged when a shutdown waits on them.
    private var steps: [String: String] = [:]
    private let work: WorkGauge?

    /// Creates the stage.
    package init(
        input: Input, gateway: any OrderGateway, store: PolybotStore, probe: LatencyProbe, events: PipelineEvents,
        concurrency: Int = 8, reservations: ReservationHooks = .none, work: WorkGauge? = nil, logger: Logger
    ) {
        self.work = work
        self.reservations = reservations
        self.input = input
        self.gateway = gateway
        self.store = store
        self.probe = probe
        self.events = events
        // Under a replay barrier, one placement at a time: fills then reach the risk state in signal order at any speed.
        self.concurrency = work == nil ? max(1, concurrency) : 1
        self.logger = logger
        var o: [String: Counter] = [:]
        for k in ["placed", "already_placed", "rejected", "unknown", "pending_approval", "failed"] {
            o[k] = Counter(label: "orders.placements", dimensions: [("outcome", k)])
        }
        outcomes = o
    }

    package func run() async throws {
        let placements = PlacementTasks()
        var ended = placements.endings.makeAsyncIterator()
        try await withTaskCancellationHandler {
            for try await sized in input {
                // At most `concurrency` in flight: wait for one to end (nil: cancelled, the loop ends below).
                while placements.count >= concurrency, !Task.isCancelled { _ = await ended.next(isolation: #isolation) }
                if Task.isCancelled { break }
                let work = self.work
                placements.start {
                    await self.execute(sized)
                    work.end()
                }
            }
            // The input has ended (the stages before have drained): wait for the placements in flight, saying what
            // they are doing every 5 s, unless cancelled (then they are cancelled and left to end on their own).
            let reporter = Task { await self.reportWhileInFlight() }
            defer { reporter.cancel() }
            while placements.count > 0, !Task.isCancelled { _ = await ended.next(isolation: #isolation) }
        } onCancel: {
            placements.cancelAll()
        }
        // Every placement in flight has finished (or the stop was cancelled); wait for this stage's turn to stop (see
        // awaitShutdownTurn).
        await awaitShutdownTurn()
    }

    /// Logs the placements still in flight every 5 s until none is left (a stop waits for them).
    private func reportWhileInFlight() async {
        var waited = Duration.zero
        while !steps.isEmpty {
            do { try await Task.sleep(for: .milliseconds(50)) } catch { return }  // clock-edge: shutdown progress log
            waited += .milliseconds(50)
            if waited >= .seconds(5), !steps.isEmpty {
                waited = .zero
                logger.warning(
                    "input ended; waiting for placements in flight",
                    metadata: ["placements": "\(steps.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })"])
            }
        }
    }

    /// Places one order and records how its signal ended. Never throws: errors end the signal `failed` with the reason.
    package func execute(_ sized: SizedOrder) async {
        let r = sized.request
        let stepKey = r.idempotencyKey
        steps[stepKey] = "placing"
        defer { steps[stepKey] = nil }
        probe.expect(r.idempotencyKey, arrived: sized.arrived)
        var outcome: PlacementOutcome?
        var failure: (any Error)?
        for attempt in 1...3 {
            do {
                steps[stepKey] = "placing, attempt \(attempt)"
                outcome = try await gateway.place(r)
                break
            } catch {
                failure = error
                logger.error(
                    "placement failed",
                    metadata: ["order.key": "\(r.idempotencyKey)", "attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200 * attempt))  // clock-edge: retry backoff of a failed call
            }
        }
        guard let outcome else {
            steps[stepKey] = "recording the failure"
            outcomes["failed"]?.increment()
            await releaseAfterFailure(r.idempotencyKey)
            if let id = r.signalId {
                await recordOutcome(signal: id, "failed", reason: "\(failure.map { "\($0)" } ?? "unknown")")
            }
            return
        }
        steps[stepKey] = "updating the reservation"
        await reservations.orderUpdated(outcome.order)
        let (status, reason, key): (String, String, String) =
            switch outcome {
            case .placed(let o):
                (
                    o.signalStatus,
                    o.filledSize == .zero && o.status.isTerminal ? (o.error ?? "no fill within the limit") : "",
                    "placed"
                )
            case .alreadyPlaced(let o): (o.signalStatus, o.error ?? "", "already_placed")
            case .rejected(_, let message): ("rejected", message, "rejected")
            case .unknown: ("ordered", "outcome unknown; being looked up", "unknown")
            case .pendingApproval: ("approved", "waiting for an operator", "pending_approval")
            }
        outcomes[key]?.increment()
        if let id = r.signalId, r.purpose == .entry {
            steps[stepKey] = "recording the outcome"
            await recordOutcome(signal: id, status, reason: reason)
        }
        events.publish(.order(outcome.order))
    }
}

extension Executor {
    /// Persists how a signal ended, waiting through a database outage (a drained shutdown leaves no signal without
    /// its outcome; a stop mid-outage leaves it `approved`, which the order's own record and reconciliation resolve).
    private func recordOutcome(signal id: Int64, _ status: String, reason: String) async {
        _ = await untilStored("outcome of signal \(id)", errors: statusErrors, logger: logger) { _ in
            try await store.signals.setStatus(id: id, status, reason: reason)
        }
    }

    /// After every attempt failed: an order stored under the key keeps its reservation until it finishes; with no order
    /// the reservation is released; when even that cannot be checked it is kept (stricter caps, never looser).
    private func releaseAfterFailure(_ key: String) async {
        do {
            if let o = try await store.orders.get(idempotencyKey: key) {
                await reservations.orderUpdated(o)
            } else {
                await reservations.abandoned(key)
            }
        } catch {
            logger.error(
                "placement failed and its order could not be checked; its reservation stays",
                metadata: ["order.key": "\(key)", "error": "\(error)"])
        }
    }
}

/// How order progress reaches the risk manager's reservations.
package struct ReservationHooks: Sendable {
    /// An order moved (outcome, fill, cancel, expiry, rejection).
    package var orderUpdated: @Sendable (CopyOrder) async -> Void
    /// A placement ended with no stored order.
    package var abandoned: @Sendable (String) async -> Void

    /// Creates hooks.
    package init(
        orderUpdated: @escaping @Sendable (CopyOrder) async -> Void,
        abandoned: @escaping @Sendable (String) async -> Void
    ) {
        self.orderUpdated = orderUpdated
        self.abandoned = abandoned
    }

    /// No risk manager to tell (tests of a gateway alone).
    package static let none = ReservationHooks(orderUpdated: { _ in }, abandoned: { _ in })
}
