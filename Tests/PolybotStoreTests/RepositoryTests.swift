import Logging
import PolybotCore
import PolybotStore
import PolybotTestSupport
import PostgresNIO
import Testing

@Suite("Repositories round-trip through PostgreSQL")
struct RepositoryTests {
    @Test func whales() async throws {
        try await withTestDatabase { store, _ in
            let w = Whale(
                address: Fixtures.address(0xabc), label: "Theo", tags: ["politics", "us"], listStatus: .allow,
                tracked: true, source: .leaderboard, notes: "big")
            try await store.whales.upsert(w)
            var got = try #require(try await store.whales.get(w.address))
            #expect(got.label == "Theo" && got.tags == ["politics", "us"] && got.listStatus == .allow)
            #expect(got.source == .leaderboard && got.notes == "big" && got.addedAt > 0)
            got.listStatus = .deny
            got.tags = []
            try await store.whales.upsert(got)
            #expect(try await store.whales.get(w.address)?.listStatus == .deny)
            #expect(try await store.whales.get(w.address)?.tags == [])
            try await store.whales.upsert(Whale(address: Fixtures.address(1)))
            #expect(try await store.whales.count() == 2)
            #expect(try await store.whales.list(limit: 1, offset: 0).map(\.address) == [Fixtures.address(1)])
            #expect(try await store.whales.list(limit: 10, offset: 1).map(\.address) == [w.address])
            #expect(try await store.whales.delete(w.address))
            #expect(try await !store.whales.delete(w.address))
            #expect(try await store.whales.get(w.address) == nil)
        }
    }

    @Test func storedSettingsAreResetWithAnAuditEntry() async throws {
        try await withTestDatabase { store, _ in
            try await store.settings.save(
                ["POLYBOT_FIXED_ORDER_USDC": "75", "POLYBOT_WHALE_MIN_NOTIONAL": "20000"], actor: "operator",
                auditDetails: "{}")
            let removed = try await store.settings.reset(
                ["POLYBOT_FIXED_ORDER_USDC", "POLYBOT_KELLY_FRACTION"], actor: "cli")
            #expect(removed == ["POLYBOT_FIXED_ORDER_USDC"])
            #expect(try await store.settings.all() == ["POLYBOT_WHALE_MIN_NOTIONAL": "20000"])
            #expect(
                try await store.audit.recent(limit: 1).first.map { ($0.actor, $0.action) } ?? ("", "") == (
                    "cli", "settings.reset"
                ))
        }
    }

    @Test func basketsAndMembers() async throws {
        try await withTestDatabase { store, _ in
            let created = try await store.baskets.create(
                Basket(name: "politics", category: "politics", windowHours: 48))
            #expect(created.id > 0)
            await #expect(throws: StoreError.self) { _ = try await store.baskets.create(Basket(name: "politics")) }
            var b = try #require(try await store.baskets.get(name: "politics"))
            #expect(b == created)
            b.consensusRatioBps = 9000
            b.minUpside = Micros(70_000)
            try await store.baskets.update(b)
            #expect(try await store.baskets.get(id: b.id) == b)
            // Members must be whales (foreign key).
            await #expect(throws: StoreError.missingReference(constraint: "basket_wallets_wallet_fkey")) {
                try await store.baskets.upsertMember(basketId: b.id, BasketMember(wallet: Fixtures.address(9)))
            }
            for n in 1...3 {
                try await store.whales.upsert(Whale(address: Fixtures.address(n)))
                try await store.baskets.upsertMember(
                    basketId: b.id, BasketMember(wallet: Fixtures.address(n), weightBps: 5000 * n))
            }
            try await store.baskets.upsertMember(
                basketId: b.id, BasketMember(wallet: Fixtures.address(2), membership: .auto))
            let members = try await store.baskets.members(basketId: b.id)
            #expect(members.map(\.wallet) == [1, 2, 3].map(Fixtures.address))
            #expect(members[1].membership == .auto && members[1].weightBps == 10_000)
            #expect(try await store.baskets.removeMember(basketId: b.id, wallet: Fixtures.address(1)))
            // Deleting a whale removes its memberships.
            try await store.whales.delete(Fixtures.address(3))
            #expect(try await store.baskets.members(basketId: b.id).map(\.wallet) == [Fixtures.address(2)])
            #expect(try await store.baskets.list().map(\.name) == ["politics"])
            #expect(try await store.baskets.delete(id: b.id))
            #expect(try await store.baskets.get(id: b.id) == nil)
            await #expect(throws: StoreError.notFound("basket \(b.id)")) { try await store.baskets.update(b) }
        }
    }

    @Test func tradesRoundTripAndReinsertIsIdempotent() async throws {
        try await withTestDatabase { store, _ in
            let t = Fixtures.trade(outcomeIndex: nil)
            let id = try await store.trades.insert(t)
            #expect(id != nil)
            // Same natural key again: no new row, no error.
            #expect(try await store.trades.insert(t) == nil)
            var fromOtherSource = t
            fromOtherSource.source = .dataAPI
            #expect(try await store.trades.insert(fromOtherSource) == nil)
            #expect(try await store.trades.count() == 1)
            let stored = try await store.trades.trades(wallet: t.wallet, since: 0)
            #expect(stored.count == 1)
            #expect(stored[0].id == id)
            #expect(stored[0].trade == t)
            // A different size in the same transaction is a different fill.
            var second = t
            second.size = Micros(50_000_000)
            #expect(try await store.trades.insert(second) != nil)
            #expect(try await store.trades.recent(limit: 10).count == 2)
        }
    }

    /// One trade, one row (issue 30): the chain's fill and a feed's report of it, whose price is rounded its own way,
    /// are one row that both sources saw, with the chain's log index; a wallet's twin fill in the same transaction (same
    /// size, told apart by the chain's `ordinal`) is a second row, on every insert path.
    @Test func theChainAndAFeedShareOneRowAndTwinsKeepTwo() async throws {
        try await withTestDatabase { store, _ in
            var chain = Fixtures.trade(outcomeIndex: nil)
            chain.source = .chain
            chain.logIndex = 41
            var twin = chain
            twin.logIndex = 44
            twin.ordinal = 1
            twin.price = Micros(chain.price.raw + 50_000)
            var feed = chain
            feed.source = .rtds
            feed.logIndex = nil
            feed.price = Micros(chain.price.raw + 1)
            let id = try #require(try await store.trades.insert(feed))
            #expect(try await store.trades.insertBatch([chain, twin]) == 1)
            #expect(try await store.trades.insert(chain) == nil)
            #expect(try await store.trades.count() == 2)
            let rows = try await store.trades.trades(wallet: chain.wallet, since: 0)
            let first = try #require(rows.first { $0.id == id })
            #expect(first.trade.logIndex == 41 && first.trade.ordinal == nil && first.trade.price == feed.price)
            #expect(try await store.trades.sources(chain.key) == [.rtds, .chain])
            let second = try #require(rows.first { $0.id != id })
            #expect(second.trade == twin)
            #expect(try await store.trades.sources(twin.key) == [.chain])
        }
    }

    /// The insert benchmark's peer stores what it is given, as the batch path would, times included.
    @Test func theRawCopyPeerStoresTheRowsAsGiven() async throws {
        try await withTestDatabase { store, client in
            let raw = TradePostgresRepository(db: Database(client: client, logger: Logger(label: "test.copy")))
            let rows = (0..<3).map { i in
                Fixtures.trade(tx: 100 + i, wallet: Fixtures.address(i), timestamp: 1_760_000_000 + Int64(i) * 86_399)
            }
            try await raw.copyRaw(rows)
            let back = try await store.trades.all(limit: 10)
            #expect(back.map(\.timestamp) == rows.map(\.timestamp) && back.map(\.key) == rows.map(\.key))
            await #expect(throws: (any Error).self) { try await raw.copyRaw([rows[0]]) }
        }
    }

    @Test func batchInsertDedupesAgainstStoreAndWithinBatch() async throws {
        try await withTestDatabase { store, _ in
            var batch: [Trade] = []
            for i in 0..<500 {
                batch.append(
                    Fixtures.trade(
                        tx: i, wallet: Fixtures.address(i % 7), size: Micros(Int64(1_000_000 + i)),
                        timestamp: 1_760_000_000 + Int64(i)))
            }
            let firstInserted = try await store.trades.insertBatch(batch + batch.prefix(10))
            #expect(firstInserted == 500)
            // Re-ingesting the same history (a backfill after a restart) adds nothing.
            #expect(try await store.trades.insertBatch(batch) == 0)
            #expect(try await store.trades.count() == 500)
            // Escaped text survives COPY exactly.
            let back = try await store.trades.trades(wallet: Fixtures.address(0), since: 0)
            #expect(back.first?.trade == batch[0])
            #expect(back.first?.trade.traderName == "name\twith tab")
            #expect(back.first?.trade.pseudonym == "Back\\slash")
            #expect(try await store.trades.insertBatch([]) == 0)
        }
    }

    @Test func badTradesAreRefusedByConstraints() async throws {
        try await withTestDatabase { store, _ in
            var t = Fixtures.trade()
            t.transactionHash = "0xNOTHEX"
            await #expect(throws: StoreError.invalidValue(constraint: "whale_trades_transaction_hash_check")) {
                _ = try await store.trades.insert(t)
            }
            var p = Fixtures.trade()
            p.price = Micros(1_000_001)
            await #expect(throws: StoreError.self) { _ = try await store.trades.insert(p) }
        }
    }

    @Test func ordersAreAtMostOncePerSignal() async throws {
        try await withTestDatabase { store, client in
            let signalId = try await insertSignal(client)
            let intent = CopyOrder(
                idempotencyKey: "sig-\(signalId)-entry", signalId: signalId, mode: .live, salt: "123456789",
                conditionId: Fixtures.hex32(7), asset: "1234567890", side: .buy, orderType: .gtd,
                price: Micros(550_000),
                size: Micros(100_000_000), makerAmount: 55_000_000, takerAmount: 100_000_000, expiration: 1_767_225_700)
            let created = try await store.orders.create(intent)
            #expect(created.id > 0)
            // Same key again, or another entry for the same signal: refused by the database.
            await #expect(throws: StoreError.duplicate(constraint: "copy_orders_idempotency_key_key")) {
                _ = try await store.orders.create(intent)
            }
            var other = intent
            other.idempotencyKey = "sig-\(signalId)-entry-retry"
            await #expect(throws: StoreError.duplicate(constraint: "copy_orders_one_entry_per_signal")) {
                _ = try await store.orders.create(other)
            }
            #expect(try await store.orders.get(idempotencyKey: intent.idempotencyKey) == created)
            var change = OrderUpdate(from: created)
            change.status = .live
            change.exchangeOrderId = "0xorder"
            try await store.orders.update(id: created.id, change)
            _ = try await store.execution.applyFill(
                FillReport(
                    orderId: created.id, venueMatched: Micros(40_000_000),
                    trades: [
                        TradeFill(
                            tradeId: "t-1", size: Micros(40_000_000), price: Micros(549_000), fee: Micros(10_000),
                            traderSide: "TAKER")
                    ],
                    eventType: "TRADE", venueStatus: "MATCHED", day: "2026-01-01", equity: Micros(1_000_000_000)))
            let updated = try #require(try await store.orders.get(id: created.id))
            #expect(updated.status == .partiallyFilled && updated.filledSize == Micros(40_000_000))
            #expect(updated.exchangeOrderId == "0xorder" && updated.averageFillPrice == Micros(549_000))
            #expect(try await store.orders.open().map(\.id) == [created.id])
            try await store.orders.appendEvent(
                OrderEvent(
                    orderId: created.id, eventType: "TRADE", status: "MATCHED",
                    size: Micros(40_000_000), price: Micros(549_000),
                    payload: #"{"id":"t1"}"#))
            let events = try await store.orders.events(orderId: created.id).filter { $0.eventType == "TRADE" }
            #expect(events.count == 2 && events[1].status == "MATCHED" && events[1].payload == #"{"id": "t1"}"#)
            change.status = .filled
            try await store.orders.update(id: created.id, change)
            #expect(try await store.orders.open().isEmpty)
        }
    }

    @Test func positionsAndDailyPnl() async throws {
        try await withTestDatabase { store, _ in
            let p = try await store.positions.open(
                Position(
                    mode: .paper, conditionId: Fixtures.hex32(7), asset: "42", eventSlug: "ev", outcome: "Yes",
                    size: Micros(100_000_000), averagePrice: Micros(550_000), cost: Micros(55_000_000)))
            await #expect(throws: StoreError.duplicate(constraint: "positions_one_open_per_asset")) {
                _ = try await store.positions.open(p)
            }
            var marked = p
            marked.markPrice = Micros(600_000)
            try await store.positions.update(marked)
            let got = try #require(try await store.positions.openPosition(mode: .paper, asset: "42"))
            #expect(got == marked)
            #expect(got.unrealizedPnl == Micros(5_000_000))
            marked.status = .closed
            marked.realizedPnl = Micros(4_000_000)
            try await store.positions.update(marked)
            #expect(try await store.positions.openPositions(mode: .paper).isEmpty)
            #expect(try await store.positions.get(id: p.id)?.status == .closed)

            let day = DailyPnl(
                day: "2026-11-20", mode: .paper, startEquity: Micros(10_000_000_000),
                endEquity: Micros(10_050_000_000), realizedPnl: Micros(40_000_000))
            try await store.dailyPnl.upsert(day)
            var later = day
            later.endEquity = Micros(9_990_000_000)
            try await store.dailyPnl.upsert(later)
            try await store.dailyPnl.upsert(
                DailyPnl(
                    day: "2026-11-21", mode: .paper, startEquity: later.endEquity,
                    endEquity: later.endEquity))
            let series = try await store.dailyPnl.range(mode: .paper, from: "2026-11-01", to: "2026-11-30")
            #expect(series.map(\.day) == ["2026-11-20", "2026-11-21"])
            #expect(series[0] == later)
            #expect(try await store.dailyPnl.range(mode: .live, from: "2026-11-01", to: "2026-11-30").isEmpty)
        }
    }

    @Test func scoreSnapshotsAreVersionedNotOverwritten() async throws {
        try await withTestDatabase { store, _ in
            let wallet = Fixtures.address(5)
            let run1 = try await store.scores.startRun(trigger: .manual, walletsTotal: 1)
            let first = WalletScore(
                wallet: wallet, computedAt: 1_760_000_000, closedPositions: 12, openPositions: 1, winRate: 0.75,
                decayedWinRate: 0.7, shrunkWinRate: 0.6875, winRateLowerBound: 0.45, sharpe: 1.2, kelly: 0.3, ev: 0.12,
                edge: 0.08, realizedPnl: Micros(1_234_000_000), volume: Micros(50_000_000_000), markets: 9, trades: 40,
                walletClass: .informed, features: ["twoSidedShare": 0.1, "tradesPerDay": 3])
            try await store.scores.insertSnapshots([first], runId: run1.id)
            try await store.scores.recordProgress(runId: run1.id, walletsScored: 1, cursor: wallet)
            try await store.scores.finishRun(runId: run1.id, status: .completed, error: nil)
            let run2 = try await store.scores.startRun(trigger: .scheduled, walletsTotal: 1)
            var second = first
            second.computedAt = 1_760_086_400
            second.winRate = nil
            second.sharpe = nil
            second.walletClass = .unclassified
            try await store.scores.insertSnapshots([second], runId: run2.id)
            // Read back with their ids (what signals record); otherwise as written.
            func withoutId(_ s: WalletScore?) -> WalletScore? {
                var s = s
                s?.snapshotId = nil
                return s
            }
            let latest = try await store.scores.latest(wallet)
            #expect(withoutId(latest) == second && latest?.snapshotId != nil)
            let history = try await store.scores.history(wallet, limit: 10)
            #expect(history.map(withoutId) == [second, first])
            #expect(Set(history.compactMap(\.snapshotId)).count == 2)
            let r1 = try #require(try await store.scores.run(id: run1.id))
            #expect(r1.status == .completed && r1.walletsScored == 1 && r1.cursorWallet == wallet)
            // The same wallet twice in one run is refused, not silently merged.
            await #expect(throws: StoreError.self) { try await store.scores.insertSnapshots([second], runId: run2.id) }
        }
    }

    private func insertSignal(_ client: PostgresClient) async throws -> Int64 {
        let rows = try await client.query(
            """
            INSERT INTO signals (signal_key, condition_id, asset, agreeing, opposing, ratio, wallets,
                                 whale_avg_price_micros, whale_notional_micros)
            VALUES ('k1', \(Fixtures.hex32(7)), '1234567890', 4, 1, 0.8, ARRAY['0x1'], 540000, 50000000000)
            RETURNING id
            """)
        for try await id in rows.decode(Int64.self) { return id }
        throw StoreError.notFound("signal")
    }

    @Test func fillsAreCumulativeIdempotentAndMovePositionAndDayTogether() async throws {
        try await withTestDatabase { store, client in
            let signalId = try await insertSignal(client)
            let buy = try await store.orders.create(
                CopyOrder(
                    idempotencyKey: "entry:\(signalId)", signalId: signalId, mode: .paper, salt: "1",
                    conditionId: Fixtures.hex32(7),
                    asset: "42", side: .buy, orderType: .gtd, price: Micros(400_000), size: Micros(100_000_000),
                    eventSlug: "ev", outcome: "Yes"))
            func report(
                _ id: Int64, _ total: Int64, _ trades: [TradeFill] = [], status: OrderStatus? = nil
            ) async throws -> AppliedFill {
                try await store.execution.applyFill(
                    FillReport(
                        orderId: id, venueMatched: Micros(total), trades: trades, status: status, eventType: "TEST",
                        venueStatus: "MATCHED", day: "2026-11-21", equity: Micros(1_000_000_000)))
            }
            func trade(_ id: String, _ size: Int64, at price: Int64, fee: Int64? = 0) -> TradeFill {
                TradeFill(
                    tradeId: id, size: Micros(size), price: Micros(price), fee: fee.map(Micros.init),
                    traderSide: "TAKER")
            }
            // 40 shares in one trade at 0.375; the venue then says 100 matched before the second trade is known: the
            // 60 are pending (the order is filled on the venue, the books wait), never booked at the limit.
            let a = try await report(buy.id, 40_000_000, [trade("b-1", 40_000_000, at: 375_000)])
            #expect(
                a.order.status == .partiallyFilled && a.position?.size == Micros(40_000_000)
                    && a.position?.cost == Micros(15_000_000))
            let pending = try await report(buy.id, 100_000_000, [TradeFill(tradeId: "b-2")])
            #expect(pending.order.status == .filled && pending.applied == nil && pending.order.hasPendingTrades)
            #expect(pending.order.filledSize == Micros(40_000_000) && pending.order.filledCost == Micros(15_000_000))
            // The second trade becomes known (size and price first, its fee later): each part booked once.
            let b = try await report(buy.id, 0, [trade("b-2", 60_000_000, at: 400_000, fee: nil)])
            #expect(b.position?.size == Micros(100_000_000) && !b.order.hasPendingTrades)
            #expect(b.position?.cost == Micros(15_000_000 + 24_000_000) && b.order.filledCost == Micros(39_000_000))
            let feeLater = try await report(buy.id, 0, [trade("b-2", 60_000_000, at: 400_000, fee: 120_000)])
            #expect(feeLater.position?.cost == Micros(39_120_000) && feeLater.order.fee == Micros(120_000))
            #expect(feeLater.position?.size == Micros(100_000_000))
            // The same trades reported again, late or by another path, change nothing.
            let again = try await report(
                buy.id, 40_000_000, [trade("b-1", 40_000_000, at: 375_000), trade("b-2", 60_000_000, at: 400_000)])
            #expect(again.applied == nil && again.order.filledSize == Micros(100_000_000))
            #expect(again.order.fee == Micros(120_000))
            // A terminal order stays terminal.
            let over = try await report(buy.id, 150_000_000, status: .cancelled)
            #expect(over.applied == nil && over.order.status == .filled)
            // A SELL of half at 0.60 realises 30 − 19.5 = 10.5, into the position and the day's row in one go.
            let sell = try await store.orders.create(
                CopyOrder(
                    idempotencyKey: "exit:1", signalId: nil, purpose: .exit, mode: .paper, salt: "2",
                    conditionId: Fixtures.hex32(7), asset: "42",
                    side: .sell, orderType: .gtd, price: Micros(600_000), size: Micros(50_000_000)))
            let s = try await report(sell.id, 50_000_000, [trade("s-1", 50_000_000, at: 600_000)])
            // Half the cost basis (39.12 with the buy's fee) is released: 30 − 19.56 = 10.44.
            #expect(s.applied?.realized == Micros(10_440_000) && s.position?.size == Micros(50_000_000))
            let day = try #require(
                try await store.dailyPnl.range(mode: .paper, from: "2026-11-21", to: "2026-11-21").first)
            #expect(day.realizedPnl == Micros(10_440_000) && day.startEquity == Micros(1_000_000_000))
            // Settlement at resolution: the other 50 shares win → 50 − 19.56.
            let p = try #require(s.position)
            let settled = try #require(
                try await store.execution.settle(positionId: p.id, won: true, day: "2026-11-21", equity: .zero))
            #expect(settled.realized == Micros(30_440_000))
            #expect(
                try await store.execution.settle(positionId: p.id, won: true, day: "2026-11-21", equity: .zero) == nil)
            // proceeds 30 + payout 50 − cost 39 − fees 0.12 = 40.88: the trades' sums, nothing else.
            #expect(try await store.positions.get(id: p.id)?.realizedPnl == Micros(40_880_000))
            let after = try #require(
                try await store.dailyPnl.range(mode: .paper, from: "2026-11-21", to: "2026-11-21").first)
            #expect(after.realizedPnl == Micros(40_880_000))
        }
    }

    @Test func tradingStateAndCooldownsPersist() async throws {
        try await withTestDatabase { store, _ in
            #expect(try await store.execution.tradingState(mode: .live) == nil)
            try await store.execution.setTradingState(mode: .live, .halted, reason: "kill switch", actor: "op")
            let s = try #require(try await store.execution.tradingState(mode: .live))
            #expect(s.state == .halted && s.reason == "kill switch")
            try await store.execution.addCooldown(
                Cooldown(scope: .wallet(Fixtures.address(9)), until: 2_000_000_000, reason: "loss"))
            try await store.execution.addCooldown(
                Cooldown(scope: .market(Fixtures.hex32(1)), until: 1_000, reason: "old"))
            let active = try await store.execution.cooldowns(activeAt: 1_800_000_000)
            #expect(active == [Cooldown(scope: .wallet(Fixtures.address(9)), until: 2_000_000_000, reason: "loss")])
        }
    }

    /// Market categories, of every market and of the markets named: a stored category first, else the fee category.
    @Test func marketCategoriesOfEveryMarketAndOfTheMarketsNamed() async throws {
        try await withTestDatabase { store, client in
            let fees = try #require(
                FeeSchedule(rate: Micros(40_000), exponent: 1, takerOnly: true, rebateRate: Micros(250_000)))
            let (a, b, c) = (Fixtures.hex32(1), Fixtures.hex32(2), Fixtures.hex32(3))
            try await store.markets.upsert([
                MarketInfo(conditionId: a, fees: .charged(fees, type: "politics_fees")),
                MarketInfo(conditionId: b, fees: .charged(fees, type: "crypto_fees")),
                MarketInfo(conditionId: c, fees: .free),
            ])
            try await client.query("UPDATE markets SET category = 'sports' WHERE condition_id = \(b)")
            #expect(try await store.insights.marketCategories() == [a: "politics", b: "sports"])
            #expect(try await store.insights.marketCategories(of: [b, c]) == [b: "sports"])
            #expect(try await store.insights.marketCategories(of: []) == [:])
        }
    }
}
