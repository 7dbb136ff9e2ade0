import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
import PostgresNIO
import Synchronization

/// What a backtest reports: its signals, runs, the pipeline's books and equity.
extension BacktestCommand {
    /// One signal of the walk-forward run as the pipeline booked it.
    package struct SignalLine: Sendable, Codable {
        package var signalId: Int64
        package var time: Int64
        package var market: String
        package var outcome: String
        /// Agreeing votes (clusters of one trader's wallets).
        package var agreeing: Int
        /// The agreeing clusters, each a list of wallets.
        package var clusters: [[String]]
        /// The score snapshots that made the agreeing wallets count.
        package var snapshotIds: [Int64]
        /// The newest of those snapshots' times: never after the signal.
        package var snapshotsAsOf: Int64?
        package var whalePrice: String
        package var status: String
        package var reason: String
        /// Our limit and our average fill price.
        package var limit: String?
        package var ourPrice: String?
        package var shares: String?
        /// Filled / ordered shares (0 … 1); nil without an entry order.
        package var shareFilled: Double?
        /// Why not (wholly) filled: the tape's answer or the order's error.
        package var unfilled: String?
        package var cost: String?
        package var fee: String?
        package var copyDelayCost: String?
        /// won, lost, unresolved (market not resolved in the file), or not filled.
        package var result: String
    }

    /// One run's money and its event test.
    package struct RunSummary: Sendable, Codable {
        package var name: String
        package var basketSize: Int
        package var signals: Int
        package var filledEntries: Int
        /// Paid before fees, fees, and PnL after fees over resolved positions (USDC).
        package var cost: String
        package var fees: String
        package var pnl: String
        /// Σ PnL / Σ paid over resolved positions, with its 95 % interval over independent events.
        package var returnOnCost: Double?
        package var returnLow: Double?
        package var returnHigh: Double?
        /// Independent events and the event test's p-value (``EventTest``).
        package var events: Int
        package var pValue: Double
        package var edgeSignificant: Bool
        package var openAtEnd: Int
        package var note: String

        init(_ run: CopyBacktest.Run) {
            name = run.name
            basketSize = run.basketSize
            signals = run.signals
            filledEntries = run.filled
            cost = String(format: "%.2f", run.cost)
            fees = String(format: "%.2f", run.fees)
            pnl = String(format: "%.2f", run.pnl)
            returnOnCost = run.eventTest.returnOnCost
            returnLow = run.eventTest.returnLow
            returnHigh = run.eventTest.returnHigh
            events = run.eventTest.events
            pValue = run.eventTest.pValue
            edgeSignificant = run.edgeSignificant
            openAtEnd = run.unresolved
            note = run.note
        }
    }

    /// What the daemon's pipeline booked over the period (risk checks, exits and settlement included).
    package struct PipelineSummary: Sendable, Codable {
        package var signals: Int
        package var filledEntries: Int
        /// Paid for entries, fees included; fees; realised PnL (USDC).
        package var cost: String
        package var fees: String
        package var pnl: String
        package var openAtEnd: Int
    }

    /// Equity after each copied position, in entry order, at its final PnL.
    package struct EquityPoint: Sendable, Codable {
        package var time: Int64
        package var equity: String
    }

    /// The backtest's report.
    package struct Report: Sendable, Codable {
        package var trades: Int
        package var from: Int64
        package var to: Int64
        package var rescoreEverySeconds: Int64
        package var basketRule: String
        package var minMembers: Int
        /// fixed (POLYBOT_FIXED_ORDER_USDC per signal), kelly or proportional.
        package var sizing: String
        package var feePlan: String
        package var copyDelaySeconds: Int
        /// The share of each later print a copy may take.
        package var participation: Double
        package var falseDiscoveryRate: Double
        /// Markets whose resolution has no time: never used before the end.
        package var undatedResolutions: Int
        package var rescorings: [Rescoring]
        /// The pipeline's signals with their fills from the tape.
        package var signals: [SignalLine]
        package var pipeline: PipelineSummary
        package var equity: [EquityPoint]
        package var maxDrawdown: Drawdown
        package var copyDelayCostTotal: String
        /// The walk-forward judged on the pure path, and the baselines.
        package var main: RunSummary
        package var baselines: [RunSummary]
        /// The verdict's three tests.
        package var tests: CopyVerdict
        /// The verdict with +1, +3 and +5 ¢ paid per share.
        package var sensitivity: [CopyBacktest.Sensitivity]
        package var copyability: [Copyability]
        /// The three tests' conjunction.
        package var edgeSignificant: Bool
        package var verdict: String
    }
}
