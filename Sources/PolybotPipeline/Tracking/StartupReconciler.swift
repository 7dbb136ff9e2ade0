import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket

/// Before trading resumes after a start: compare the database with the exchange, fix what is provable, flag the rest.
///
/// - Live: every order that is not finished is resolved on the CLOB (an `intent`/`unknown` order is looked up by its
///   digest and re-sent byte-identical only when provably absent; fills are applied cumulatively); open orders on the
///   CLOB that we have no record of, positions that differ from the Data API's view of our account, and (with an RPC
///   URL) on-chain token balances that differ from our positions are flagged.
/// - Paper: paper orders interrupted between their intent and their book walk end `expired` (the book they would have
///   walked is gone); approve: queue entries past their deadline expire.
///
/// Flagged problems are written to the audit log and published; trading then resumes **reduce-only** so no new
/// entry is made on top of a book the operator has not looked at (they resume it from the dashboard or API).
package struct StartupReconciler: Sendable {
    package struct Report: Sendable {
        package var resolved: Int = 0
        package var problems: [String] = []
    }

    let store: PolybotStore
    let mode: RunMode
    let tracker: OrderTracker?
    let clob: ClobClient?
    let dataAPI: DataAPIClient?
    let rpc: PolygonRPC?
    let account: Address?
    let approvals: ApprovalGateway?
    /// Paces the wait for an order another task is resolving.
    let clock: any PipelineClock
    let logger: Logger

    /// Creates the reconciler; exchange clients are nil in paper mode.
    package init(
        store: PolybotStore, mode: RunMode, tracker: OrderTracker?, clob: ClobClient?, dataAPI: DataAPIClient?,
        rpc: PolygonRPC?,
        account: Address?, approvals: ApprovalGateway?, clock: any PipelineClock = SystemPipelineClock(),
        logger: Logger
    ) {
        self.clock = clock
        self.store = store
        self.mode = mode
        self.tracker = tracker
        self.clob = clob
        self.dataAPI = dataAPI
        self.rpc = rpc
        self.account = account
        self.approvals = approvals
        self.logger = logger
    }

    /// Runs once at start-up; never throws. Every error — the database's or the exchange's — is itself a problem, so a
    /// reconciliation that could not look is never reported as one that found nothing.
    package func run() async -> Report {
        var report = Report()
        do {
            let open = try await store.orders.open()
            for o in open where o.mode == .paper && o.status == .intent {
                if try await store.orders.setStatus(
                    id: o.id, from: [.intent], to: .expired, error: "interrupted by a restart before its book walk")
                {
                    report.resolved += 1
                    if let id = o.signalId {
                        try await store.signals.setStatus(id: id, "expired", reason: "interrupted by a restart")
                    }
                }
            }
            if let approvals { report.resolved += try await approvals.expireDue().count }
        } catch {
            report.problems.append("our orders could not be read or updated: \(error)")
        }
        await compareWithExchange(into: &report)
        await record(report)
        return report
    }

    /// The check before trading resumes at run time: the same comparison with the exchange and the database, without
    /// the start-up clean-up (paper orders in their copy delay are working, not interrupted).
    package func check() async -> [String] {
        var report = Report()
        do { _ = try await store.orders.open() } catch {
            report.problems.append("our orders could not be read: \(error)")
        }
        await compareWithExchange(into: &report)
        await record(report)
        return report.problems
    }

    private func compareWithExchange(into report: inout Report) async {
        if let tracker {
            do {
                let before = try await store.orders.open().filter { $0.orderDigest != nil }.count
                // An order another task is resolving at this moment (the user channel's first poll, a placement) holds
                // its lease: wait for it (up to 30 s) instead of reporting it unresolved.
                var skipped = try await tracker.pollOnce()
                var waits = 0
                while skipped > 0, waits < 150 {
                    try await clock.sleep(for: .milliseconds(200))
                    waits += 1
                    skipped = try await tracker.pollOnce()
                }
                let after = try await store.orders.open().filter { $0.orderDigest != nil }
                report.resolved += max(0, before - after.count)
                for o in after where o.status == .unknown || o.status == .intent || o.status == .submitting {
                    report.problems.append(
                        "order \(o.id) (\(o.idempotencyKey)) could not be resolved on the CLOB: \(o.error ?? o.status.rawValue)"
                    )
                }
            } catch {
                report.problems.append("open orders could not be resolved: \(error)")
            }
        }
        if let clob, mode == .live {
            do {
                for venue in try await clob.openOrders() {
                    guard let id = venue.id else { continue }
                    if try await store.orders.get(exchangeOrderId: id) == nil {
                        report.problems.append(
                            "open order \(id) on the CLOB is not in our records (placed outside Polybot?)")
                    }
                }
            } catch {
                report.problems.append("CLOB open orders unavailable: \(error)")
            }
        }
        if let dataAPI, let account, mode == .live {
            await comparePositions(dataAPI: dataAPI, account: account, into: &report)
        }
        if let rpc, let account, mode == .live, let owner = EthAddress(account.hex) {
            do {
                for p in try await store.positions.openPositions(mode: mode) {
                    do {
                        let onChain = try await rpc.positionBalance(owner: owner, tokenId: p.asset)
                        if onChain != p.size {
                            report.problems.append(
                                "token \(p.asset): on-chain balance \(onChain) ≠ our position \(p.size)")
                        }
                    } catch {
                        report.problems.append("on-chain balance of token \(p.asset) unavailable: \(error)")
                        break
                    }
                }
            } catch {
                report.problems.append("our positions could not be read: \(error)")
            }
        }
    }

    private func record(_ report: Report) async {
        for problem in report.problems {
            logger.error("reconciliation", metadata: ["problem": "\(problem)"])
            do {
                try await store.audit.append(
                    actor: "system", action: "reconciliation.problem", target: mode.rawValue,
                    details: #"{"problem":\#(jsonString(problem))}"#)
            } catch {
                logger.error("reconciliation problem not audited", metadata: ["error": "\(error)"])
            }
        }
        logger.notice(
            "reconciliation done", metadata: ["resolved": "\(report.resolved)", "problems": "\(report.problems.count)"])
    }

    private func comparePositions(dataAPI: DataAPIClient, account: Address, into report: inout Report) async {
        do {
            let venue = try await dataAPI.positions(user: account)
            var theirs: [String: Micros] = [:]
            for w in venue { if let a = w.asset, let s = w.size?.micros { theirs[a] = s } }
            let ours = (try await store.positions.openPositions(mode: mode))
            for p in ours {
                let v = theirs[p.asset] ?? .zero
                // Why 0.01 share: the lot size; the Data API rounds sizes.
                if abs(v.raw - p.size.raw) > 10_000 {
                    report.problems.append("token \(p.asset): exchange shows \(v) shares, we hold \(p.size)")
                }
            }
            for (asset, size) in theirs where size.raw > 10_000 && !ours.contains(where: { $0.asset == asset }) {
                report.problems.append("token \(asset): exchange shows \(size) shares we have no position for")
            }
        } catch {
            report.problems.append("Data API positions unavailable: \(error)")
        }
    }
}
