import Foundation

/// A fold saved after a snapshot and continued later (issue 32): the nightly rescoring folds only what arrived since.
///
/// The archive holds every wallet's ledger, features, per-market bets, markouts and repeated-look count, every
/// market's numbering, last price, resolution state and calibration buckets, and the markouts still due. Caches (the
/// last score of an unchanged wallet, Beta quantiles) are left out: they are rebuilt, and they never change a figure.
extension ScoreFold {
    /// The archive format; a checkpoint of another format is refused.
    public static let checkpointFormat: UInt32 = 1

    /// The fold's state as bytes (see ``init(checkpoint:resolutions:parameters:undatedResolutionsKnown:)``).
    public func checkpoint() -> [UInt8] {
        var w = ArchiveWriter()
        w.put(Self.checkpointFormat)
        w.write(String(describing: parameters))
        w.write(undatedResolutionsKnown)
        w.write(lastTime)
        w.write(lastSnapshotAt)
        w.write(outOfOrderTrades)
        w.write(unsupportedTrades)
        w.write(marketIds)
        w.write(marketTokens)
        w.write(marketEvent)
        w.write(eventIndex)
        w.write(lastSlot0)
        w.write(marketWallets)
        w.write(winnerSlot)
        w.write(resolvedAtOf)
        w.write(lastTradeAt)
        w.write(marketIds.map { resolutions[$0]?.resolvedAt })
        w.write(marketBuckets)
        w.write(curvePaid)
        w.write(curveWon)
        for queue in [shortQueue, longQueue] {
            let due = queue.items[queue.head...]
            w.put(UInt32(due.count))
            for p in due {
                w.write(p.due)
                w.write(p.wallet)
                w.write(p.market)
                w.write(p.long)
                w.write(p.impliedProbability)
                w.write(p.weight)
            }
        }
        w.put(UInt32(states.count))
        for s in states {
            w.write(s.wallet)
            w.write(s.ledger)
            w.write(s.features)
            w.write(s.bets)
            w.put(UInt32(s.paidBySlot.count))
            for (m, paid) in s.paidBySlot {
                w.write(m)
                w.write(paid.0)
                w.write(paid.1)
            }
            w.write(s.markets)
            w.write(s.volume)
            for m in [s.short, s.long] {
                w.write(m.weight)
                w.write(m.sum)
                w.write(m.count)
            }
            w.write(s.version)
            w.write(s.passes)
        }
        return w.bytes
    }

    /// A fold continued from ``checkpoint()``, reading `resolutions` from now on.
    ///
    /// - Throws: ``ArchiveReader/Failure`` when the bytes are not a checkpoint of this format, or were made with other
    ///   parameters or another rule for undated resolutions (a fold continued under other rules would agree with no
    ///   full re-fold).
    public init(
        checkpoint bytes: [UInt8], resolutions: [String: MarketResolution],
        parameters: ScoringParameters = ScoringParameters(), undatedResolutionsKnown: Bool = false
    ) throws {
        var r = ArchiveReader(bytes)
        let format = try r.take(UInt32.self)
        guard format == Self.checkpointFormat else {
            throw ArchiveReader.Failure("checkpoint format \(format), this build reads \(Self.checkpointFormat)")
        }
        guard try r.read(String.self) == String(describing: parameters) else {
            throw ArchiveReader.Failure("the checkpoint was folded with other scoring parameters")
        }
        guard try r.read(Bool.self) == undatedResolutionsKnown else {
            throw ArchiveReader.Failure("the checkpoint was folded with another rule for undated resolutions")
        }
        self.init(resolutions: resolutions, parameters: parameters, undatedResolutionsKnown: undatedResolutionsKnown)
        lastTime = try r.read()
        lastSnapshotAt = try r.read()
        outOfOrderTrades = try r.read()
        unsupportedTrades = try r.read()
        marketIds = try r.read()
        marketTokens = try r.read()
        marketEvent = try r.read()
        eventIndex = try r.read()
        lastSlot0 = try r.read()
        marketWallets = try r.read()
        winnerSlot = try r.read()
        resolvedAtOf = try r.read()
        lastTradeAt = try r.read()
        foldedResolvedAt = try r.read()
        marketBuckets = try r.read()
        curvePaid = try r.read()
        curveWon = try r.read()
        let markets = marketIds.count
        let perMarket = [
            marketTokens.count, marketEvent.count, lastSlot0.count, marketWallets.count, winnerSlot.count,
            resolvedAtOf.count, lastTradeAt.count, foldedResolvedAt.count, marketBuckets.count,
        ]
        guard perMarket.allSatisfy({ $0 == markets }), curvePaid.count == MarketBets.buckets,
            curveWon.count == MarketBets.buckets
        else { throw ArchiveReader.Failure("the checkpoint's market tables disagree in length") }
        for (i, id) in marketIds.enumerated() { marketIndex[id] = Int32(i) }
        for long in [false, true] {
            var queue = MarkoutQueue()
            for _ in 0..<(try r.count()) {
                queue.push(
                    PendingMarkout(
                        due: try r.read(), wallet: try r.read(), market: try r.read(), long: try r.read(),
                        impliedProbability: try r.read(), weight: try r.read()))
            }
            if long { longQueue = queue } else { shortQueue = queue }
        }
        for _ in 0..<(try r.count()) {
            var s = WalletState(wallet: try r.read())
            s.ledger = try r.read()
            s.features = try r.read()
            s.bets = try r.read()
            for _ in 0..<(try r.count()) {
                let m: Int32 = try r.read()
                s.paidBySlot[m] = (try r.read(), try r.read())
            }
            s.markets = try r.read()
            s.volume = try r.read()
            s.short = Markouts(weight: try r.read(), sum: try r.read(), count: try r.read())
            s.long = Markouts(weight: try r.read(), sum: try r.read(), count: try r.read())
            s.version = try r.read()
            s.passes = try r.read()
            walletIndex[s.wallet] = Int32(states.count)
            states.append(s)
        }
        let wallets = Int32(states.count)
        guard r.atEnd else { throw ArchiveReader.Failure("the checkpoint has bytes after its last wallet") }
        let inRange = { (m: Int32) in m >= 0 && Int(m) < markets }
        guard marketEvent.allSatisfy({ $0 >= 0 && Int($0) < eventIndex.count }),
            states.allSatisfy({ s in
                s.markets.allSatisfy(inRange) && s.bets.keys.allSatisfy(inRange)
                    && s.paidBySlot.keys.allSatisfy(inRange)
                    && s.ledger.openAssetKeys.allSatisfy { $0 >= 0 && $0 >> 8 < markets }
            })
        else { throw ArchiveReader.Failure("the checkpoint refers to a market or event it does not hold") }
        guard marketWallets.allSatisfy({ $0.allSatisfy { $0 >= 0 && $0 < wallets } }),
            (shortQueue.items + longQueue.items).allSatisfy({
                $0.wallet >= 0 && $0.wallet < wallets && $0.market >= 0 && Int($0.market) < markets
            })
        else { throw ArchiveReader.Failure("the checkpoint refers to a wallet or market it does not hold") }
    }

    /// Why continuing this fold under `resolutions` (the ones it now reads) would not give what a full re-fold gives,
    /// or nil when it would: a resolution already applied that changed, or a resolution time that moved across a
    /// trade already folded (whether that trade counted as a bet depends on it).
    public func resumeObstacle() -> String? {
        for (m, id) in marketIds.enumerated() {
            let now = resolutions[id]
            if winnerSlot[m] != -1 {
                let slot = now?.winningToken.map { w in marketTokens[m].firstIndex(of: w).map { min($0, 1) } ?? -2 }
                guard let slot, Int8(slot) == winnerSlot[m], now?.resolvedAt == resolvedAtOf[m] else {
                    return "market \(id): its resolution changed after it was applied"
                }
            }
            let before = m < foldedResolvedAt.count ? foldedResolvedAt[m] : now?.resolvedAt
            let after = now?.resolvedAt
            if before != after, min(before ?? .max, after ?? .max) <= lastTradeAt[m] {
                return "market \(id): its resolution time moved across a trade already folded"
            }
        }
        return nil
    }

    /// A wallet's closed positions as of the newest snapshot: those it closed by selling, and those settled by the
    /// resolutions known then (empty for a wallet the fold never saw).
    public func closedPositions(of wallet: Address) -> [ClosedPosition] {
        guard let i = walletIndex[wallet] else { return [] }
        let ledger = states[Int(i)].ledger
        let (settled, _) = ledger.settled { key, _ in
            let m = key >> 8
            guard winnerSlot[m] != -1 else { return nil }
            return (Int(winnerSlot[m]) == key & 255, resolvedAtOf[m])
        }
        return ledger.closed + settled
    }
}
