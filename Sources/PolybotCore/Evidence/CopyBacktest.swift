import Foundation

/// The backtest's evidence: the walk-forward basket, copying every whale trade, ≥ 200 random baskets drawn with the
/// walk-forward's own membership schedule, and the hindsight basket, all through one pure path
/// (``CopySimulation``), then the three tests of the verdict (``CopyVerdict``) and a sensitivity table of worse fills.
public enum CopyBacktest {
    /// One basket's copies and their event test.
    public struct Run: Sendable, Hashable, Codable {
        public var name: String
        /// Largest basket held.
        public var basketSize: Int
        public var signals: Int
        public var filled: Int
        /// Paid before fees, fees and PnL after fees over resolved positions, USDC.
        public var cost: Double
        public var fees: Double
        public var pnl: Double
        public var unresolved: Int
        public var eventTest: EventTest
        /// True only for a run whose test is the verdict's or a knowable baseline's own (never the hindsight basket).
        public var edgeSignificant: Bool
        public var note: String

        init(name: String, basketSize: Int, positions: [CopyPosition], knowable: Bool, note: String) {
            self.name = name
            self.basketSize = basketSize
            self.note = note
            signals = positions.count
            filled = positions.filter { $0.shares > 0 }.count
            let graded = positions.filter(\.graded)
            cost = graded.reduce(0) { $0 + $1.cost }
            fees = graded.reduce(0) { $0 + $1.fee }
            pnl = graded.reduce(0) { $0 + $1.pnl() }
            unresolved = positions.filter { $0.shares > 0 && $0.won == nil }.count
            eventTest = EventTest.of(positions)
            edgeSignificant = knowable && eventTest.significant
        }
    }

    /// The verdict with `extraCents` more paid per share by every basket.
    public struct Sensitivity: Sendable, Hashable, Codable {
        public var extraCents: Int
        public var returnOnCost: Double?
        public var eventPValue: Double
        public var pairedPValue: Double
        public var rankPValue: Double
        public var edgeSignificant: Bool
    }

    /// Everything the report shows of the evidence.
    public struct Evidence: Sendable, Hashable, Codable {
        public var main: Run
        public var everyWhale: Run
        public var hindsight: Run?
        public var random: RankTest
        public var verdict: CopyVerdict
        public var sensitivity: [Sensitivity]
        /// The walk-forward's copies, per signal: the whales' price, our fill, the share filled, why not more.
        public var positions: [CopyPosition]
    }

    /// What to compare.
    public struct Plan: Sendable {
        /// The walk-forward's memberships (one per rescoring, in time order).
        public var schedule: [CopySimulation.Membership]
        public var minMembers: Int
        /// First whale-sized trade of every wallet in the whole history (before and in the period): who a random
        /// basket may draw at a time.
        public var firstWhaleTrade: [Address: Int64]
        /// The hindsight basket (scored on everything), if wanted.
        public var hindsight: [Address]?
        public var randomBaskets: Int
        public var seed: UInt64
        /// Run the random baskets on every core (false: one after another; the same result).
        public var concurrent: Bool

        /// Creates a plan.
        public init(
            schedule: [CopySimulation.Membership], minMembers: Int, firstWhaleTrade: [Address: Int64],
            hindsight: [Address]?, randomBaskets: Int = RankTest.minimumBaskets, seed: UInt64, concurrent: Bool = true
        ) {
            self.concurrent = concurrent
            self.schedule = schedule
            self.minMembers = minMembers
            self.firstWhaleTrade = firstWhaleTrade
            self.hindsight = hindsight
            self.randomBaskets = randomBaskets
            self.seed = seed
        }
    }

    /// Each wallet's first trade of at least `minimum` notional (trades in time order).
    public static func firstWhaleTrades(_ trades: [Trade], minimum: Micros) -> [Address: Int64] {
        var first: [Address: Int64] = [:]
        for t in trades where t.notional >= minimum && first[t.wallet] == nil { first[t.wallet] = t.timestamp }
        return first
    }

    /// Random schedules: at each of the walk-forward's rescorings, as many wallets as it held, drawn uniformly from
    /// the wallets with a whale-sized trade before that time (all of them when fewer).
    public static func randomSchedules(
        like schedule: [CopySimulation.Membership], firstWhaleTrade: [Address: Int64], count: Int, seed: UInt64
    ) -> [[CopySimulation.Membership]] {
        let known = firstWhaleTrade.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        var rng = SplitMix64(seed: seed)
        var out: [[CopySimulation.Membership]] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var s: [CopySimulation.Membership] = []
            var pool: [Address] = []
            var taken = 0
            for entry in schedule {
                while taken < known.count, known[taken].value < entry.time {
                    pool.append(known[taken].key)
                    taken += 1
                }
                let n = min(entry.members.count, pool.count)
                // A partial Fisher–Yates in place: the pool's order does not matter to a uniform draw.
                for i in 0..<n { pool.swapAt(i, i + Int(rng.next() % UInt64(pool.count - i))) }
                s.append(CopySimulation.Membership(time: entry.time, members: Set(pool.prefix(n))))
            }
            out.append(s)
        }
        return out
    }

    /// Runs every basket through `simulation` and judges the walk-forward.
    public static func evaluate(_ simulation: CopySimulation, plan: Plan) -> Evidence {
        let main = simulation.run(schedule: plan.schedule, minMembers: plan.minMembers)
        let everyone = Set(simulation.whaleTrades.map(\.wallet))
        // Every whale trade, literally: one member enough and no opposing check (a contested market is held on both
        // sides), so the paired test compares the basket's choice of side with copying everyone.
        let every = simulation.run(
            schedule: [CopySimulation.Membership(time: 0, members: everyone)], minMembers: 1, ratioBps: 0)
        let randoms = randomSchedules(
            like: plan.schedule, firstWhaleTrade: plan.firstWhaleTrade, count: plan.randomBaskets, seed: plan.seed
        ).concurrentMap(plan.concurrent) { simulation.run(schedule: $0, minMembers: plan.minMembers) }
        let hindsight = plan.hindsight.map { members in
            simulation.run(
                schedule: [CopySimulation.Membership(time: 0, members: Set(members))],
                minMembers: min(plan.minMembers, max(members.count, 1)))
        }
        func returnOnCost(_ ps: [CopyPosition], extra: Double) -> Double {
            let graded = ps.filter(\.graded)
            let paid = graded.reduce(0) { $0 + $1.paid(extra: extra) }
            return paid > 0 ? graded.reduce(0) { $0 + $1.pnl(extra: extra) } / paid : 0
        }
        func judge(extra: Double) -> CopyVerdict {
            let test = EventTest.of(main, extra: extra)
            let paired = PairedTest.of(main: main, baseline: every, extra: extra, seed: plan.seed)
            let tests = randoms.concurrentMap(plan.concurrent) { EventTest.of($0, extra: extra) }
            let rank = RankTest.of(
                main: (returnOnCost(main, extra: extra), test.pValue),
                randoms: zip(randoms, tests).map { (returnOnCost($0, extra: extra), $1.pValue) },
                randomsPassing: tests.filter(\.significant).count)
            return CopyVerdict(eventTest: test, paired: paired, rank: rank)
        }
        let verdict = judge(extra: 0)
        let sensitivity = [1, 3, 5].map { cents -> Sensitivity in
            let v = judge(extra: Double(cents) / 100)
            return Sensitivity(
                extraCents: cents, returnOnCost: v.eventTest.returnOnCost, eventPValue: v.eventTest.pValue,
                pairedPValue: v.paired.pValue, rankPValue: v.rank.pValue, edgeSignificant: v.edgeSignificant)
        }
        let largest = plan.schedule.map(\.members.count).max() ?? 0
        return Evidence(
            main: Run(
                name: "walk-forward", basketSize: largest, positions: main, knowable: true,
                note: "the verdict's basket: memberships as scored at each rescoring"),
            everyWhale: Run(
                name: "every whale trade (no scoring)", basketSize: everyone.count, positions: every, knowable: true,
                note: "every wallet with a whale-sized trade, one member enough, whoever opposes"),
            hindsight: hindsight.map { ps in
                Run(
                    name: "hindsight basket (upper bound, not knowable)", basketSize: plan.hindsight?.count ?? 0,
                    positions: ps, knowable: false, note: "top wallets by edge lower bound scored on the whole file")
            },
            random: verdict.rank, verdict: verdict, sensitivity: sensitivity, positions: main)
    }
}
