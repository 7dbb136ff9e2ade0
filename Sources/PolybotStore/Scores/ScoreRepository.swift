import PolybotCore

/// Why a scoring run started.
package enum ScoringTrigger: String, Sendable {
    case manual, scheduled, startup
}

/// How a scoring run ended.
package enum ScoringRunStatus: String, Sendable {
    case running, completed, failed, interrupted
}

/// One run of the rescoring job.
package struct ScoringRun: Hashable, Sendable {
    package var id: Int64
    package var status: ScoringRunStatus
    package var walletsTotal: Int
    package var walletsScored: Int
    /// The last wallet fully processed, for resuming.
    package var cursorWallet: Address?
    package var error: String?
    /// The run's scoring time (Unix seconds), so a resumed run computes exactly what the original would have.
    package var scoringTime: Int64 = 0
}

/// Persistence of versioned wallet score snapshots and the runs that wrote them.
package protocol ScoreRepository: Sendable {
    /// Records the start of a run.
    func startRun(trigger: ScoringTrigger, walletsTotal: Int) async throws -> ScoringRun
    /// Records the start of a run with its scoring time.
    func startRun(trigger: ScoringTrigger, walletsTotal: Int, scoringTime: Int64) async throws -> ScoringRun
    /// The newest run that did not complete (running or interrupted), to resume.
    func unfinishedRun() async throws -> ScoringRun?
    /// The newest snapshot of each of these wallets, before (excluding) a run.
    func latest(wallets: [Address], excludingRun: Int64?) async throws -> [Address: WalletScore]
    /// Records progress (wallets scored, resume cursor).
    func recordProgress(runId: Int64, walletsScored: Int, cursor: Address?) async throws
    /// Records the end of a run.
    func finishRun(runId: Int64, status: ScoringRunStatus, error: String?) async throws
    /// The run with this id.
    func run(id: Int64) async throws -> ScoringRun?
    /// Appends snapshots for a run (never overwrites earlier runs). Returns how many rows were written.
    @discardableResult func insertSnapshots(_ scores: [WalletScore], runId: Int64?) async throws -> Int
    /// Deletes a run's snapshots of some wallets (to rewrite a chunk after a crash).
    func deleteSnapshots(runId: Int64, wallets: [Address]) async throws
    /// The newest snapshot of a wallet.
    func latest(_ wallet: Address) async throws -> WalletScore?
    /// The latest snapshot of every wallet.
    func latestAll() async throws -> [Address: WalletScore]
    /// Each wallet's last `points` win-rate lower bounds, oldest first (dashboard sparklines).
    func sparklines(points: Int) async throws -> [Address: [Double]]
    /// A wallet's snapshots, newest first.
    func history(_ wallet: Address, limit: Int) async throws -> [WalletScore]
}
