import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket

/// `polybot backfill (--wallet ADDR | --since DATE)`: reads wallets' trade history into the database, resumable, with
/// progress. Data API v2 (`/v2/trades`, cursor paging with no offset cap) where it exists, else v1 (`/activity`
/// windows split under the offset cap). v2 may serve its first page from a cache up to 300 s old, so once a v2 walk
/// finishes the newest v1 `/trades` page of the wallet is read too (the natural-key dedupe absorbs the overlap).
/// Combo (parlay) rows are left out and counted: they are not single-market bets.
public enum BackfillCommand {
    /// What a run did.
    public struct Summary: Sendable, CustomStringConvertible {
        public var wallets = 0
        public var complete = 0
        /// Wallets whose walk stopped before the end (a page limit); a re-run resumes them at their cursor.
        public var interrupted = 0
        public var alreadyComplete = 0
        public var rowsRead = 0
        public var rowsNew = 0
        public var combosSkipped = 0
        public var rowsRejected = 0
        public var sources: Set<String> = []

        public var description: String {
            "\(wallets) wallet(s): \(complete) complete (\(alreadyComplete) already), \(interrupted) interrupted; "
                + "\(rowsRead) rows read, \(rowsNew) new, \(combosSkipped) combo rows left out, \(rowsRejected) rejected; "
                + "source \(sources.sorted().joined(separator: "+"))"
        }
    }

    /// A refused invocation.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `YYYY-MM-DD` (00:00 UTC) or `YYYY-MM-DDTHH:MM:SS` (UTC) as Unix seconds.
    public static func parseSince(_ text: String) -> Int64? {
        ResolutionFileReader.dateTime(text) ?? (text.count == 10 ? ResolutionFileReader.dayStart(text) : nil)
    }

    /// Runs against the configured database and Data API.
    public static func run(
        config: AppConfiguration, wallet: String?, since: String?, logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> String {
        var only: Address?
        if let wallet {
            guard let a = Address(wallet) else { throw Failure(description: "--wallet \(wallet) is not an address") }
            only = a
        }
        var start: Int64 = 1
        if let since {
            guard let s = parseSince(since) else {
                throw Failure(description: "--since \(since): use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC)")
            }
            start = s
        }
        guard only != nil || since != nil else {
            throw Failure(description: "give --wallet ADDR, --since DATE (every tracked wallet), or both")
        }
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        let transport = HTTPTransport(logger: logger)
        defer { Task { try? await transport.shutdown() } }
        let dataAPI = DataAPIClient(baseURL: config.dataAPIURL, transport: transport)
        let fixedStart = start
        let wallet = only
        return try await database.withClient(logger: logger) { client in
            let runner = try DatabaseLifecycle.migrationRunner(config, client: client, logger: logger)
            let pending = try await runner.pending()
            guard pending.isEmpty else { throw MigrationError.pending(pending.map(\.name)) }
            let store = PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit)
            var wallets: [Address] = []
            if let wallet { wallets = [wallet] } else { wallets = try await store.whales.all().map(\.address) }
            guard !wallets.isEmpty else {
                throw Failure(description: "no tracked wallets to backfill (add whales first)")
            }
            return try await backfill(
                store: store, dataAPI: dataAPI, wallets: wallets, since: fixedStart,
                now: Int64(Date().timeIntervalSince1970), logger: logger, progress: progress
            ).description
        }
    }

    /// The walk itself (tests call it with their own store and page limit).
    ///
    /// - Parameters:
    ///   - maxPages: stop each wallet after this many v2 pages (an interruption, for tests); nil reads to the end.
    package static func backfill(
        store: PolybotStore, dataAPI: DataAPIClient, wallets: [Address], since: Int64, now: Int64,
        pageSize: Int = 1_000, maxPages: Int? = nil, logger: Logger, progress: @Sendable (String) -> Void
    ) async throws -> Summary {
        let records = BackfillProgressRepository(db: store.db)
        var summary = Summary()
        summary.wallets = wallets.count
        for (n, wallet) in wallets.enumerated() {
            let scope = "wallet:\(wallet.hex)|since:\(since)"
            var p = try await records.get(scope) ?? BackfillProgress(scope: scope, source: "v2")
            let label = "[\(n + 1)/\(wallets.count)] \(wallet.hex)"
            if p.done {
                summary.alreadyComplete += 1
                summary.complete += 1
                progress("\(label): already complete (\(p.rowsNew) rows stored earlier)")
                continue
            }
            func keep(_ rows: [Result<Trade, FeedDecodeError>]) async throws {
                var good: [Trade] = []
                for row in rows {
                    switch row {
                    case .success(let t): good.append(t)
                    case .failure(let e):
                        p.rowsRejected += 1
                        summary.rowsRejected += 1
                        logger.warning("backfill row rejected", metadata: ["wallet": "\(wallet.hex)", "error": "\(e)"])
                    }
                }
                let new = try await storeTrades(good, in: store)
                p.rowsRead += rows.count
                p.rowsNew += new
                summary.rowsRead += rows.count
                summary.rowsNew += new
            }
            var pagesThisRun = 0
            var finished = false
            if p.source == "v2" {
                do {
                    while true {
                        if let maxPages, pagesThisRun >= maxPages { break }
                        let page = try await dataAPI.tradesV2(
                            user: wallet, start: since, end: nil, cursor: p.cursor, limit: pageSize)
                        try await keep(page.rows)
                        p.combosSkipped += page.combos
                        summary.combosSkipped += page.combos
                        p.pages += 1
                        pagesThisRun += 1
                        p.cursor = page.nextCursor
                        try await records.save(p)
                        progress("\(label): v2 page \(p.pages), \(p.rowsRead) rows read, \(p.rowsNew) new")
                        if page.nextCursor == nil {
                            finished = true
                            break
                        }
                    }
                    summary.sources.insert("v2")
                    if finished {
                        // The newest v2 page may be up to 300 s stale: cover it from v1's newest page.
                        let recent = try await dataAPI.trades(.init(user: wallet), limit: 500, offset: 0)
                        try await keep(
                            recent.filter { if case .success(let t) = $0 { t.timestamp >= since } else { true } })
                    }
                } catch let error as PolymarketHTTPError {
                    guard case .status(404, _) = error, p.pages == 0 else { throw error }
                    p.source = "v1"
                    p.cursor = nil
                    logger.notice("Data API has no v2; backfilling from v1", metadata: ["wallet": "\(wallet.hex)"])
                }
            }
            if p.source == "v1" {
                let rows = try await dataAPI.activityTrades(user: wallet, start: since, end: now)
                try await keep(rows)
                p.pages += 1
                finished = true
                summary.sources.insert("v1")
                progress("\(label): v1 /activity, \(p.rowsRead) rows read, \(p.rowsNew) new")
            }
            p.done = finished
            try await records.save(p)
            if finished { summary.complete += 1 } else { summary.interrupted += 1 }
        }
        return summary
    }

    private static func storeTrades(_ trades: [Trade], in store: PolybotStore) async throws -> Int {
        trades.isEmpty ? 0 : try await store.trades.insertBatch(trades)
    }
}
