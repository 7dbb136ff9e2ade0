import Foundation
import PolybotCore
import Polymarket

/// The simulator's Polygon chain, as a value: blocks every 2 s of market time from a genesis number, each replayed
/// trade as a V2 `OrderFilled` log (maker = its wallet, token = its asset, transaction hash = its hash) in the block of
/// its time — or the next unsealed one, so a sealed block never changes — and the `reorg` fault's replaced blocks.
struct SimChain: Sendable {
    /// The first block's number (a Polygon-like height).
    static let genesis: Int64 = 65_000_000
    /// Seconds of market time per block.
    static let blockSeconds: Int64 = 2

    /// A log as stored: hash and time are filled in when it is read (a reorg changes the hash).
    struct Entry: Sendable {
        var fill: OrderFilled
        /// Logs of a transaction that the reorg drops (never on the Data API).
        var orphan: Bool
        /// The `OrdersMatched` summary of `fill` (a taker's own record) instead of the fill's `OrderFilled`.
        let summary: Bool
        /// The log's topics (as a JSON array) and data, encoded once: every read serves them.
        let topics: String
        let data: String

        init(fill: OrderFilled, orphan: Bool, summary: Bool = false) {
            self.fill = fill
            self.orphan = orphan
            self.summary = summary
            let log = summary ? fill.ordersMatchedLog : fill.log
            topics = "[" + log.topics.map { "\"\($0)\"" }.joined(separator: ",") + "]"
            data = log.data
        }

        /// The event's topic 0.
        var topic0: String { summary ? OrderFilled.ordersMatchedTopic0 : OrderFilled.topic0 }
    }

    /// A log as served: the fill with its block's current hash, and its encoded topics and data.
    struct Served: Sendable {
        var fill: OrderFilled
        var topics: String
        var data: String
        /// The event's topic 0 (`OrderFilled` or, for a taker's summary, `OrdersMatched`).
        var topic0: String
    }

    /// Market time of the genesis block.
    let t0: Int64
    /// The newest sealed block.
    private(set) var head: Int64 = genesis
    /// Logs by block (sealed and still open), in log order.
    private(set) var blocks: [Int64: [Entry]] = [:]
    /// The highest block holding a log.
    private(set) var lastFilled: Int64 = genesis
    /// Each block's version: a reorg bumps it, which changes the block's hash.
    private var generation: [Int64: Int] = [:]
    /// The taker's wallet of each transaction seen in the open blocks.
    private var takers: [String: String] = [:]
    /// Blocks planted with an orphan, replaced at the next seal.
    private(set) var pendingReorg: ClosedRange<Int64>?
    private var lastReorgHead: Int64 = genesis
    /// Orphaned transactions so far (tests check none remains in the books).
    private(set) var orphans: [String] = []

    /// Collateral `Transfer` logs (funding), by block: planted before the replay, served once their block is sealed.
    private(set) var transfers: [Int64: [ChainLog]] = [:]

    init(t0: Int64) { self.t0 = t0 }

    /// Plants a funding transfer in the block of its time (the genesis block for a time before the replay).
    mutating func plant(_ t: FundingTransfer) {
        let block = nominalBlock(t.time)
        let index = 10_000 + (transfers[block]?.count ?? 0)  // after the block's fills
        let tx = HexCoding.encode(Keccak256.hash(Array("polymarket-sim transfer \(block) \(index)".utf8)))
        transfers[block, default: []].append(ERC20Transfer.log(t, block: block, transactionHash: tx, logIndex: index))
    }

    /// The sealed transfer logs of `from...to` of `tokens` (empty: any) from `senders` (topic 1) into `recipients`
    /// (topic 2; empty: any).
    func transferLogs(
        from: Int64, to: Int64, tokens: Set<String>, senders: Set<String>, recipients: Set<String>
    ) -> [ChainLog] {
        let last = min(to, head)
        guard from <= last else { return [] }
        return transfers.keys.sorted().filter { $0 >= from && $0 <= last }.flatMap { b in
            (transfers[b] ?? []).filter { l in
                (tokens.isEmpty || tokens.contains(l.address)) && (senders.isEmpty || senders.contains(l.topics[1]))
                    && (recipients.isEmpty || recipients.contains(l.topics[2]))
            }.map { l in
                var l = l
                l.blockHash = hash(b)
                l.blockTimestamp = ChainHex.quantity(timestamp(b))
                return l
            }
        }
    }

    /// The block a trade of this time belongs in.
    func nominalBlock(_ time: Int64) -> Int64 { Self.genesis + max(0, time - t0) / Self.blockSeconds }

    /// A block's time.
    func timestamp(_ block: Int64) -> Int64 { t0 + (block - Self.genesis) * Self.blockSeconds }

    /// A block's hash: a function of its number and version (not a Keccak: it is read for every log served).
    func hash(_ block: Int64) -> String {
        let n = String(UInt64(bitPattern: block), radix: 16)
        let v = String(generation[block] ?? 0, radix: 16)
        let body =
            "5" + String(repeating: "0", count: 31 - n.count) + n + "b" + String(repeating: "0", count: 31 - v.count)
            + v
        return "0x" + body
    }

    /// Appends a trade's log to the first block at or after its time that is not sealed yet; a taker's own record is
    /// followed by the match's `OrdersMatched` summary, as the V2 exchange emits it.
    ///
    /// - Parameters:
    ///   - fee: the fee the record carries (the simulated CLOB's taker fee on its own matches).
    ///   - taker: the match's taker when the trade is a maker's (a resting order filled by a later trade); nil: the
    ///     transaction's first wallet is its taker.
    mutating func append(
        _ t: Trade, exchange: String, orphan: Bool = false, fee: Micros = .zero, taker givenTaker: String? = nil
    ) {
        let block = max(nominalBlock(t.timestamp), head + 1)
        let index = blocks[block]?.count ?? 0
        // The first wallet of a transaction is its taker (its own record names the exchange); the others are makers.
        let taker = givenTaker ?? takers[t.transactionHash] ?? exchange
        if takers[t.transactionHash] == nil, givenTaker == nil { takers[t.transactionHash] = t.wallet.hex }
        let usdc = t.size.multiplied(by: t.price)
        let orderHash = HexCoding.encode(Keccak256.hash(Array("\(t.transactionHash) \(t.wallet.hex) \(index)".utf8)))
        guard
            let fill = OrderFilled(
                exchange: exchange, orderHash: orderHash, maker: t.wallet.hex, taker: taker, side: t.side,
                tokenId: t.asset, makerAmountFilled: t.side == .buy ? usdc : t.size,
                takerAmountFilled: t.side == .buy ? t.size : usdc, fee: fee, blockNumber: block,
                transactionHash: t.transactionHash, logIndex: index)
        else { return }  // a trade the chain cannot carry (a token id that is not a number): never in the file's data
        blocks[block, default: []].append(Entry(fill: fill, orphan: orphan))
        if fill.isTakersOwnFill {
            var summary = fill
            summary.logIndex = index + 1
            blocks[block, default: []].append(Entry(fill: summary, orphan: orphan, summary: true))
        }
        lastFilled = max(lastFilled, block)
    }

    /// Seals every block up to the newest one holding a log (and `extra` empty blocks after it). Returns the blocks
    /// newly sealed.
    mutating func seal(extra: Int64 = 0) -> ClosedRange<Int64>? {
        let newHead = max(head, lastFilled) + max(0, extra)
        guard newHead > head else { return nil }
        let sealed = (head + 1)...newHead
        head = newHead
        takers.removeAll(keepingCapacity: true)
        return sealed
    }

    /// The `reorg=DEPTH:EVERY` fault, first half: every `every` blocks an orphaned whale-sized trade (a copy of the
    /// head block's last fill with a new transaction and wallet) goes into the head block, and the last `depth` blocks
    /// are marked for replacement. Returns the orphan's log, if one was planted.
    mutating func plantReorg(depth: Int, every: Int) -> Served? {
        guard depth > 0, every > 0, pendingReorg == nil, head - lastReorgHead >= Int64(every) else { return nil }
        var last: OrderFilled?
        for b in (max(Self.genesis, head - Int64(depth) + 1)...head).reversed() where last == nil {
            last = blocks[b]?.last?.fill
        }
        guard let last else { return nil }
        let tx = HexCoding.encode(Keccak256.hash(Array("polymarket-sim orphan \(orphans.count)".utf8)))
        let wallet = "0x" + String(format: "%040x", 0xdead_0000 + orphans.count)
        guard
            let orphan = OrderFilled(
                exchange: last.exchange, orderHash: tx, maker: wallet, taker: last.exchange, side: .buy,
                tokenId: last.tokenId, makerAmountFilled: Micros(50_000_000_000),
                takerAmountFilled: Micros(100_000_000_000), blockNumber: head, transactionHash: tx,
                logIndex: blocks[head]?.count ?? 0)
        else { return nil }
        let entry = Entry(fill: orphan, orphan: true)
        blocks[head, default: []].append(entry)
        // A taker's own record: the match's summary follows it (and goes with it).
        var summary = orphan
        summary.logIndex += 1
        blocks[head, default: []].append(Entry(fill: summary, orphan: true, summary: true))
        orphans.append(tx)
        pendingReorg = max(Self.genesis + 1, head - Int64(depth) + 1)...head
        return served(entry, head)
    }

    /// A reorg at the next mining that drops `transaction` (its logs vanish; the blocks from its block to the head are
    /// replaced). False when the transaction is in no block or a reorg is already pending.
    mutating func dropOnReorg(transaction: String) -> Bool {
        guard pendingReorg == nil,
            let block = blocks.first(where: { $0.value.contains { $0.fill.transactionHash == transaction } })?.key
        else { return false }
        for i in blocks[block]?.indices ?? [].indices where blocks[block]?[i].fill.transactionHash == transaction {
            blocks[block]?[i].orphan = true
        }
        orphans.append(transaction)
        pendingReorg = block...max(block, head)
        return true
    }

    /// The second half: the marked blocks get new hashes and lose their orphans; their other logs stay (re-included
    /// in the new blocks). Returns the old logs (to re-send as removed) and the new ones.
    mutating func applyReorg() -> (removed: [Served], added: [Served])? {
        guard let range = pendingReorg else { return nil }
        pendingReorg = nil
        lastReorgHead = head
        let removed = range.flatMap { b in (blocks[b] ?? []).map { served($0, b) } }
        for b in range {
            generation[b, default: 0] += 1
            var kept = (blocks[b] ?? []).filter { !$0.orphan }
            for i in kept.indices { kept[i].fill.logIndex = i }
            blocks[b] = kept.isEmpty ? nil : kept
        }
        let added = range.flatMap { b in (blocks[b] ?? []).map { served($0, b) } }
        return (removed.reversed(), added)
    }

    /// A stored log as served now (its block's current hash).
    func served(_ e: Entry, _ block: Int64) -> Served {
        var f = e.fill
        f.blockHash = hash(block)
        return Served(fill: f, topics: e.topics, data: e.data, topic0: e.topic0)
    }

    /// The sealed logs of `from...to` from `addresses` (empty: any) with topic 0 in `topics` (empty: any).
    func logs(from: Int64, to: Int64, addresses: Set<String>, topics: Set<String>) -> [Served] {
        guard from <= to else { return [] }
        let last = min(to, head)
        guard from <= last else { return [] }
        var out: [Served] = []
        if last - from > Int64(blocks.count) {
            for b in blocks.keys.sorted() where b >= from && b <= last { out += matching(b, addresses, topics) }
        } else {
            for b in from...last { out += matching(b, addresses, topics) }
        }
        return out
    }

    private func matching(_ block: Int64, _ addresses: Set<String>, _ topics: Set<String>) -> [Served] {
        guard let entries = blocks[block] else { return [] }
        return entries.filter {
            (addresses.isEmpty || addresses.contains($0.fill.exchange))
                && (topics.isEmpty || topics.contains($0.topic0))
        }.map { served($0, block) }
    }
}
