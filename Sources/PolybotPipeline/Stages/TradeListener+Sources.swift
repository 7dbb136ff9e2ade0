import Logging
import Metrics
import PolybotCore
import Polymarket

/// The trade sources watching each other: per-source counts, the divergence watch, the health the dashboard shows.
extension TradeListener {
    /// One bit per source.
    static func sourceBit(_ s: TradeSource) -> UInt8 {
        switch s {
        case .rtds: 1
        case .dataAPI: 2
        case .replay: 4
        case .import: 8
        case .chain: 16
        }
    }

    /// Counts a sighting per source and shows it to the divergence watch (whale-sized trades only). A twin — a
    /// wallet's second fill of the same token, side and size in one transaction — is not watched: only the chain can
    /// tell it from the first, so the feeds would always seem to miss it.
    func sighted(_ trade: Trade) {
        let s = trade.source
        let now = bySource[s]
        bySource[s] = ((now?.trades ?? 0) + 1, max(now?.newest ?? trade.timestamp, trade.timestamp))
        guard watch != nil, trade.notional >= minCash(), trade.key.ordinal == 0 else { return }
        if s == .rtds, watch?.coverageStart(.rtds) == nil { watch?.cover(.rtds, from: trade.timestamp) }
        watch?.saw(trade.key, tradeTime: trade.timestamp, source: s, now: clock.now())
    }

    func divergenceLoop() async {
        while !Task.isCancelled {
            do { try await clock.sleep(for: divergenceEvery) } catch { return }
            checkDivergence()
            recordChainGauges()
        }
    }

    /// Expires old watched trades and raises or clears the divergence alarm when the missing counts change.
    package func checkDivergence() {
        guard var w = watch else { return }
        let now = clock.now()
        for (source, n) in w.expire(now: now) {
            Counter(label: "feed.divergence_missed", dimensions: [("source", source.rawValue)]).increment(by: n)
            logger.error(
                "a source never delivered whale trades the others saw",
                metadata: ["feed.source": "\(source.rawValue)", "feed.missed": "\(n)"])
        }
        let missing = w.missing(now: now)
        watch = w
        guard missing != divergence else { return }
        for s in w.sources {
            Gauge(label: "feed.divergence", dimensions: [("source", s.rawValue)]).record(Double(missing[s] ?? 0))
        }
        divergence = missing
        if missing.isEmpty {
            logger.notice("feeds agree again")
            events.publish(.feed("divergence cleared"))
        } else {
            let text = missing.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                "\($0.key.rawValue) missing \($0.value)"
            }.joined(separator: ", ")
            logger.warning(
                "feeds disagree: whale trades seen by one source are missing from another",
                metadata: ["feed.divergence": "\(text)"])
            events.publish(.feed("divergence: \(text) whale trade(s) past the \(w.grace) s grace"))
        }
    }

    /// Per source: trades, newest trade time, whale trades missing past the grace; and the chain's progress.
    package func sourceHealth() -> ([FeedSourceHealth], ChainProgress?) {
        var chain = chainProgress
        if let s = chainStats?.snapshot {
            chain?.reorgs = s.reorgs
            chain?.retracted = s.retracted
            chain?.refusals = s.refusals
            chain?.combos = s.combos
            chain?.errors = s.errors
        }
        return (sourceRows(), chain)
    }

    /// The chain source's counters as metrics (`chain_*`).
    func recordChainGauges() {
        guard let s = chainStats?.snapshot else { return }
        for (name, value) in [
            ("chain.reorgs", s.reorgs), ("chain.retracted", s.retracted), ("chain.refusals", s.refusals),
            ("chain.combos", s.combos), ("chain.rejected", s.rejected), ("chain.unknown_small", s.unknownSmall),
            ("chain.errors", s.errors), ("chain.provisional", s.provisional), ("chain.trades", s.trades),
        ] {
            Gauge(label: name).record(Double(value))
        }
        if let lag = s.lagBlocks { Gauge(label: "chain.lag_blocks").record(Double(lag)) }
    }

    /// The Data API's last freshness reading (seconds behind, with the snapshot's age) and whether it is stale.
    package func dataAPIFreshness() -> (staleSeconds: Int, stale: Bool)? {
        dataAPIStatus.map { ($0.staleSeconds, dataAPIStale) }
    }

    private func sourceRows() -> [FeedSourceHealth] {
        let names = Set(bySource.keys).union(watch?.sources ?? []).union(divergence.keys)
        let rows = names.sorted { $0.rawValue < $1.rawValue }.map { s in
            FeedSourceHealth(
                name: s.rawValue, trades: bySource[s]?.trades ?? 0, newestTradeTime: bySource[s]?.newest,
                missing: divergence[s] ?? 0)
        }
        return rows
    }

    /// Data API v2 `/v2/status` as a freshness alarm (venue facts §1.4): on when the serving lag plus the snapshot's
    /// age passes `dataAPIStaleAfter`, off when it is back under. A status that cannot be read is counted, not guessed.
    func checkDataAPIFreshness() async {
        guard let dataAPI, dataV2 == true else { return }
        let status: DataAPIStatus
        do { status = try await dataAPI.status() } catch {
            Counter(label: "feed.data_api_status_errors").increment()
            logger.debug("Data API /v2/status unread", metadata: ["error": "\(error)"])
            return
        }
        dataAPIStatus = status
        Gauge(label: "feed.data_api_lag_seconds").record(Double(status.staleSeconds))
        let stale = Int64(status.staleSeconds) > dataAPIStaleAfter
        guard stale != dataAPIStale else { return }
        dataAPIStale = stale
        if stale {
            let text =
                "data-api stale: serving \(status.lagSeconds) s behind the chain (\(status.worst ?? "?")), snapshot \(status.ageSeconds) s old"
            logger.warning("the Data API is behind", metadata: ["feed.data_api": "\(text)"])
            events.publish(.feed(text))
        } else {
            logger.notice("the Data API is fresh again")
            events.publish(.feed("data-api fresh again"))
        }
    }
}
