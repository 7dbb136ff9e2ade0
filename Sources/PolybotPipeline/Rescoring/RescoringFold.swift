import AsyncAlgorithms
import Foundation
import Logging
import PolybotCore
import PolybotStore
import Synchronization

/// The fold of one rescoring run (issue 32): every stored trade before the scoring time, without wash fills, scored
/// for the run's wallets with Benjamini–Hochberg across them. It continues from the newest completed run's checkpoint
/// when that gives exactly what a full re-fold gives, and re-folds the whole history otherwise (or when asked), saying
/// why. History is read in pages in time order, so memory holds the fold, not the trades.
struct RescoringFold {
    /// How the fold was made.
    enum Mode: Sendable, Equatable, CustomStringConvertible {
        /// Every stored trade, for this reason.
        case full(String)
        /// Only the trades since the run that saved the checkpoint.
        case incremental(fromRun: Int64)

        var description: String {
            switch self {
            case .full(let why): "full re-fold (\(why))"
            case .incremental(let run): "incremental from run \(run)"
            }
        }
    }

    /// What the fold gave.
    struct Outcome {
        var results: [WalletScoring.Result]
        var fold: ScoreFold
        var mode: Mode
        /// Trades folded by this run (after wash fills were left out).
        var tradesFolded: Int
        /// The checkpoint being encoded and saved while the job writes its snapshots (nil: not saved); the run
        /// completes only once it is.
        var saving: Task<Void, any Error>?
    }

    let store: PolybotStore
    let parameters: ScoringParameters
    let logger: Logger
    /// Trades per page read from the store.
    var pageSize: Int
    /// Up to this many trades to read, both passes share one read (held in memory between them).
    static let heldTrades: Int64 = 3_000_000

    /// Folds, scores `wallets` as of `scoringTime`, records co-trading links, and saves the checkpoint for `runId`
    /// (unless `save` is false: a one-wallet run).
    func run(
        wallets: [Address], runId: Int64, scoringTime: Int64, resolutions: [String: MarketResolution], full: Bool,
        save: Bool
    ) async throws -> Outcome {
        let tracked = Set(wallets)
        var phases = Phases()
        // What lies before the scoring time now; trades stored after this read wait for the next run (which then
        // sees that history changed and re-folds).
        let history = try await store.trades.history(before: scoringTime)
        var mode: Mode = .full(full ? "asked for" : "no checkpoint")
        var scoring = ScoreFold(resolutions: resolutions, parameters: parameters, undatedResolutionsKnown: true)
        var coTrading = CoTrading(tracked: tracked)
        var from: Int64?
        var saved: ScoreCheckpoint?
        if !full, save, let c = try await store.scoreCheckpoints.latest() {
            saved = c
            switch try await continuation(c, scoringTime: scoringTime, resolutions: resolutions) {
            case .success(let fold):
                scoring = fold
                from = c.scoringTime
                mode = .incremental(fromRun: c.runId)
            case .failure(let why):
                mode = .full(why.description)
            }
        }
        phases.mark("checkpoint read")
        // The co-trading test continues from the checkpoint when it tested the same wallets; otherwise it reads the
        // history once more (a new candidate costs one pass of this test, not a re-fold of the scores).
        var coFrom: Int64?
        if let c = saved, case .incremental = mode {
            var reader = ArchiveReader(c.coTrading)
            do {
                let saved = try CoTrading(unarchiving: &reader)
                if reader.atEnd, saved.tracked == tracked, saved.rules == coTrading.rules {
                    coTrading = saved
                    coFrom = c.scoringTime
                }
            } catch {
                logger.warning(
                    "co-trading checkpoint unreadable; testing the whole history", metadata: ["error": "\(error)"])
            }
        }
        // Both passes read the same range when the co-trading test continues too: a range small enough to hold (a
        // night's trades) is read once.
        let sameRange = coFrom == from
        let toRead = from == nil ? history.count : history.count - (saved?.tradesBefore ?? 0)
        let held = sameRange && toRead <= Self.heldTrades
        var pages: [[Trade]] = []
        // On one read, the score fold runs beside the co-trading test (the second core), judging wash fills by the
        // clusters known before this run's links; it is kept when those links leave the clusters as they were, and
        // folded again on the new ones otherwise. (A continued fold whose clusters already differ from its
        // checkpoint's is re-folded whatever the links say: nothing is run beside.)
        var before = sameRange ? try await store.walletLinks.clusters().view(at: scoringTime) : nil
        if let c = saved, case .incremental = mode, let b = before, c.clusters != Self.text(b) { before = nil }
        let beside: Task<Folding, Never>?
        let channel = AsyncChannel<[Trade]>()
        var sent = 0
        if let before {
            // The fold moves into the task: no second copy of a checkpoint's state while both run. Whenever the fold
            // made beside is not kept, the run is a full re-fold (the check above), which starts empty.
            let handoff = FoldHandoff(scoring)
            scoring = ScoreFold(resolutions: resolutions, parameters: parameters, undatedResolutionsKnown: true)
            beside = Task { [tracked] in
                var folding = Folding(RepeatedLookFold(handoff.take(), now: scoringTime, wallets: tracked))
                for await page in channel {
                    folding.add(page, view: before)
                    folding.pages += 1
                }
                return folding
            }
        } else {
            beside = nil
        }
        do {
            try await walk(from: coFrom, before: scoringTime, maxId: history.maxId) { page in
                for t in page where tracked.contains(t.wallet) { coTrading.add(t) }
                if held { pages.append(page) }
                if beside != nil {
                    sent += 1
                    await channel.send(page)
                }
            }
        } catch {
            channel.finish()
            beside?.cancel()
            throw error
        }
        channel.finish()
        var folded = await beside?.value
        // A send cancelled on the last page returns without delivering it: a cancelled run stops here.
        try Task.checkCancellation()
        phases.mark("co-trading and fold")
        let found = coTrading.links(at: scoringTime)
        let new = try await store.walletLinks.record(found)
        if new > 0 { logger.notice("co-trading links found", metadata: ["links.new": "\(new)"]) }
        let view = try await store.walletLinks.clusters().view(at: scoringTime)
        let clusters = Self.text(view)
        if let c = saved, case .incremental = mode, c.clusters != clusters {
            // Wash fills already folded were judged with the old clusters.
            mode = .full("the wallet clusters changed since run \(c.runId)")
            scoring = ScoreFold(resolutions: resolutions, parameters: parameters, undatedResolutionsKnown: true)
            from = nil
        }
        phases.mark("links")
        var folding: Folding
        if let kept = folded, kept.pages == sent, let before, Self.text(before) == clusters, from == coFrom {
            folding = kept
        } else {
            folded = nil
            if beside != nil, case .incremental = mode {
                // Unreachable by the check before the walk; a continued fold is never re-made from an emptied one.
                throw Refusal(description: "the fold made beside the co-trading test was not kept in a continued run")
            }
            folding = Folding(RepeatedLookFold(scoring, now: scoringTime, wallets: tracked))
            if held && from == coFrom {
                for page in pages { folding.add(page, view: view) }
            } else {
                try await walk(from: from, before: scoringTime, maxId: history.maxId) { folding.add($0, view: view) }
            }
            phases.mark("fold again")
        }
        pages = []
        if folding.wash > 0 { logger.info("wash fills left out of scores", metadata: ["fills": "\(folding.wash)"]) }
        let results = folding.looking.finish()
        phases.mark("scores")
        var saving: Task<Void, any Error>?
        if save {
            let (fold, coTest, store, logger) = (folding.looking.fold, coTrading, store, logger)
            let (count, maxId, idSum) = (history.count, history.maxId, history.idSum)
            saving = Task {
                var steps = Phases()
                var w = ArchiveWriter()
                w.write(coTest)
                let archive = fold.checkpoint()
                steps.mark("encoded")
                try await store.scoreCheckpoints.save(
                    ScoreCheckpoint(
                        runId: runId, scoringTime: scoringTime, clusters: clusters, tradesBefore: count,
                        maxTradeId: maxId, idSum: idSum, fold: archive, coTrading: w.bytes))
                steps.mark("saved")
                logger.info(
                    "scoring checkpoint saved",
                    metadata: [
                        "rescore.run": "\(runId)", "rescore.checkpoint_bytes": "\(w.bytes.count + archive.count)",
                        "rescore.phases": "\(steps)",
                    ])
            }
        }
        logger.info(
            "scores folded",
            metadata: [
                "rescore.fold": "\(mode)", "rescore.trades": "\(folding.folded)", "rescore.run": "\(runId)",
                "rescore.phases": "\(phases)",
            ])
        return Outcome(
            results: results, fold: folding.looking.fold, mode: mode, tradesFolded: folding.folded, saving: saving)
    }

    /// The score fold with what it left out: every trade of a page but the wash fills among them.
    struct Folding: Sendable {
        var looking: RepeatedLookFold
        var folded = 0
        var wash = 0
        /// Pages received (the fold made beside the co-trading test is kept only if it received every page sent).
        var pages = 0

        init(_ looking: RepeatedLookFold) { self.looking = looking }

        mutating func add(_ page: [Trade], view: ClusterView) {
            let drop = WashTrades.keys(page) { _ in view }
            wash += drop.count
            for t in page where drop.isEmpty || !drop.contains(t.key) {
                looking.add(t)
                folded += 1
            }
        }
    }

    /// The clusters as the checkpoint records them (one line per cluster).
    static func text(_ view: ClusterView) -> String {
        view.groups.map { $0.map(\.hex).joined(separator: ",") }.joined(separator: "\n")
    }

    /// Why a checkpoint cannot be continued.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// The checkpoint's fold, reading `resolutions`, when continuing it gives what a full re-fold gives.
    private func continuation(
        _ c: ScoreCheckpoint, scoringTime: Int64, resolutions: [String: MarketResolution]
    ) async throws -> Result<ScoreFold, Refusal> {
        guard c.scoringTime <= scoringTime else {
            return .failure(Refusal(description: "run \(c.runId) scored a later time"))
        }
        let now = try await store.trades.history(before: c.scoringTime)
        guard now.count == c.tradesBefore, now.maxId == c.maxTradeId, now.idSum == c.idSum else {
            return .failure(
                Refusal(
                    description:
                        "trades before run \(c.runId)'s scoring time arrived or went since (\(now.count) stored, \(c.tradesBefore) folded)"
                ))
        }
        let fold: ScoreFold
        do {
            fold = try ScoreFold(
                checkpoint: c.fold, resolutions: resolutions, parameters: parameters, undatedResolutionsKnown: true)
        } catch {
            return .failure(Refusal(description: "run \(c.runId)'s checkpoint: \(error)"))
        }
        if let why = fold.resumeObstacle() ?? RepeatedLookFold.obstacle(fold, now: scoringTime) {
            return .failure(Refusal(description: why))
        }
        return .success(fold)
    }

    /// Reads trades with `from ≤ traded_at < before` and id ≤ `maxId` in time order, a page at a time (the next page
    /// is fetched while `body` works on this one). A page ends on a whole second (the fills of one transaction share a
    /// time), so wash fills are always judged together.
    private func walk(
        from: Int64?, before: Int64, maxId: Int64, _ body: ([Trade]) async throws -> Void
    ) async throws {
        let (trades, limit) = (store.trades, pageSize)
        let fetch = { (after: (time: Int64, id: Int64)?) in
            Task { try await trades.timeOrdered(from: from, before: before, after: after, limit: limit) }
        }
        var pending = fetch(nil)
        defer { pending.cancel() }
        var carried: [Trade] = []
        while true {
            try Task.checkCancellation()
            let rows = try await pending.value
            let last = rows.count < limit
            if !last, let r = rows.last { pending = fetch((r.trade.timestamp, r.id)) }
            var page = carried
            page.reserveCapacity(carried.count + rows.count)
            for r in rows where r.id <= maxId { page.append(r.trade) }
            carried = []
            if !last, let tail = page.last?.timestamp {
                // The trailing second waits for the next page (all of it, if the page is one second).
                let keep = page.firstIndex { $0.timestamp == tail } ?? page.count
                carried = Array(page[keep...])
                page.removeSubrange(keep...)
            }
            if !page.isEmpty { try await body(page) }
            if last { break }
        }
    }
}

/// A fold handed to the task that folds beside the co-trading test, so that the task holds the only copy.
private final class FoldHandoff: Sendable {
    private let slot: Mutex<ScoreFold?>

    init(_ fold: ScoreFold) { slot = Mutex(fold) }

    /// The fold (once).
    func take() -> ScoreFold {
        guard let fold = slot.withLock({ $0.take() }) else { preconditionFailure("a fold handed over twice") }
        return fold
    }
}

/// Seconds spent per step of a fold, for the log (an operator's answer to "why was tonight slow").
struct Phases: CustomStringConvertible {
    private var last = ContinuousClock.now  // clock-edge: step durations for the log, never a decision
    private var steps: [(String, Duration)] = []

    mutating func mark(_ step: String) {
        let now = ContinuousClock.now  // clock-edge: step durations for the log
        steps.append((step, now - last))
        last = now
    }

    var description: String {
        steps.map {
            "\($0.0) \(String(format: "%.2f", Double($0.1.components.seconds) + Double($0.1.components.attoseconds) / 1e18)) s"
        }
        .joined(separator: ", ")
    }
}
