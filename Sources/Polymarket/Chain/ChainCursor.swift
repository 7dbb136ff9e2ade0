import PolybotCore

/// Where the chain source stands, as a value: the last block whose trades are final (`processed`), the hashes and
/// final trades of the blocks just behind it (so a reorg below finality is seen, and what it takes back is known), and
/// the `eth_getLogs` window (halved when a node refuses a range for its size, grown back after each success).
public struct ChainCursor: Sendable, Equatable {
    /// Blocks a trade waits behind the head before it is final (0: final as soon as its block is seen).
    public let confirmations: Int64
    /// The largest `eth_getLogs` range.
    public let maxWindow: Int64
    /// The current range size (≤ `maxWindow`).
    public private(set) var window: Int64
    /// The last block whose trades were delivered as final.
    public private(set) var processed: Int64
    /// Hashes of recent final blocks: every block with a trade and every range's last block.
    public private(set) var hashes: [Int64: String] = [:]
    /// The final trades of recent blocks.
    public private(set) var trades: [Int64: [Trade]] = [:]
    /// How many blocks behind `processed` are remembered (a reorg deeper than this cannot be undone here).
    public let memory: Int64

    /// A cursor that has processed everything up to `processed`.
    public init(processed: Int64, confirmations: Int64, window: Int64 = 500, memory: Int64 = 256) {
        self.processed = processed
        self.confirmations = max(0, confirmations)
        maxWindow = max(1, window)
        self.window = max(1, window)
        self.memory = max(1, memory)
    }

    /// The next range to read as final for a head, or nil when nothing new has enough confirmations.
    public func nextRange(head: Int64) -> ClosedRange<Int64>? {
        let last = head - confirmations
        guard last > processed else { return nil }
        return (processed + 1)...min(processed + window, last)
    }

    /// The node refused a range for its size: halve the window. False when it is one block already (the node refuses
    /// a single block: nothing smaller can be asked).
    public mutating func refused() -> Bool {
        guard window > 1 else { return false }
        window = max(1, window / 2)
        return true
    }

    /// Records a range as final: its blocks' hashes and trades; the window grows back towards `maxWindow`.
    public mutating func commit(
        _ range: ClosedRange<Int64>, hashes new: [Int64: String], trades byBlock: [Int64: [Trade]]
    ) {
        precondition(range.lowerBound == processed + 1, "ranges are committed in order")
        for (b, h) in new where range.contains(b) { hashes[b] = h }
        for (b, ts) in byBlock where range.contains(b) { trades[b] = ts }
        processed = range.upperBound
        window = min(maxWindow, window * 2)
        let floor = processed - memory
        hashes = hashes.filter { $0.key > floor }
        trades = trades.filter { $0.key > floor }
    }

    /// Remembered blocks at or below `processed`, newest first (where a fork point is looked for).
    public var knownBlocksNewestFirst: [Int64] { hashes.keys.filter { $0 <= processed }.sorted(by: >) }

    /// The oldest block still remembered.
    public var oldestRemembered: Int64 { hashes.keys.min() ?? processed }

    /// A reorg replaced the final blocks from `fork` through `processed`: records the canonical hashes and trades of
    /// those blocks and returns the trades the old blocks held that the new ones do not (retracted) and the new ones'
    /// trades that were not delivered before (added). A trade re-included in another block is neither.
    public mutating func replace(
        from fork: Int64, hashes new: [Int64: String], trades byBlock: [Int64: [Trade]]
    ) -> (retracted: [Trade], added: [Trade]) {
        let replaced = fork...max(fork, processed)
        let old = replaced.flatMap { trades[$0] ?? [] }
        let fresh = byBlock.filter { replaced.contains($0.key) }.sorted { $0.key < $1.key }.flatMap(\.value)
        let oldKeys = Set(old.map(\.key))
        let newKeys = Set(fresh.map(\.key))
        for b in replaced {
            hashes[b] = new[b]
            trades[b] = byBlock[b]
        }
        return (old.filter { !newKeys.contains($0.key) }, fresh.filter { !oldKeys.contains($0.key) })
    }
}
