import PolybotCore

/// One log as a Polygon JSON-RPC returns it (`eth_getLogs`, `eth_subscribe("logs")`): hex quantities and data, as sent.
public struct ChainLog: Sendable, Equatable, Codable {
    /// The emitting contract.
    public var address: String
    /// Topic 0 (the event) and the indexed arguments, 32 bytes each.
    public var topics: [String]
    /// The non-indexed arguments, ABI-encoded.
    public var data: String
    /// Hex block number.
    public var blockNumber: String
    /// The block's hash (a reorg changes it).
    public var blockHash: String?
    public var transactionHash: String
    /// Hex position of the log in its block.
    public var logIndex: String
    /// True when a reorg took the log back (`eth_subscribe` re-sends it so).
    public var removed: Bool?
    /// Hex block time (Unix seconds), which newer nodes add to every log; nil when the node sends none.
    public var blockTimestamp: String?

    /// Creates a log.
    public init(
        address: String, topics: [String], data: String, blockNumber: String, blockHash: String?,
        transactionHash: String, logIndex: String, removed: Bool? = nil, blockTimestamp: String? = nil
    ) {
        self.address = address
        self.topics = topics
        self.data = data
        self.blockNumber = blockNumber
        self.blockHash = blockHash
        self.transactionHash = transactionHash
        self.logIndex = logIndex
        self.removed = removed
        self.blockTimestamp = blockTimestamp
    }
}

/// Why a log could not be read as the event asked for.
public enum ChainLogError: Error, Equatable, CustomStringConvertible {
    /// Topic 0 is another event's.
    case otherEvent(String)
    /// Wrong number of topics or data words, or text that is not hex.
    case malformed(String)
    /// An amount beyond what fixed-point micro units hold (more than 9.2 × 10^12 units).
    case amountTooLarge(String)

    public var description: String {
        switch self {
        case .otherEvent(let t): "not this event (topic0 \(t))"
        case .malformed(let what): "malformed log: \(what)"
        case .amountTooLarge(let what): "amount too large for micro units: \(what)"
        }
    }
}

/// Reading ABI words.
enum ABIWord {
    /// A 32-byte word as an unsigned 64-bit value, or nil when the high 24 bytes are not zero.
    static func uint64(_ word: ArraySlice<UInt8>) -> UInt64? {
        guard word.count == 32, word.prefix(24).allSatisfy({ $0 == 0 }) else { return nil }
        return word.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A 32-byte word holding an address (the low 20 bytes), lower-case `0x` hex; nil when the high 12 are not zero.
    static func address(_ word: ArraySlice<UInt8>) -> String? {
        guard word.count == 32, word.prefix(12).allSatisfy({ $0 == 0 }) else { return nil }
        return HexCoding.encode(word.suffix(20))
    }

    /// A 256-bit unsigned word in decimal (the CTF token id as the CLOB and the Data API write it): four 64-bit limbs
    /// divided by 10^19 at a time.
    static func decimal(_ word: ArraySlice<UInt8>) -> String {
        var limbs = [UInt64](repeating: 0, count: 4)
        for (i, b) in word.enumerated() { limbs[i / 8] = limbs[i / 8] << 8 | UInt64(b) }
        let chunk: UInt64 = 10_000_000_000_000_000_000
        var parts: [UInt64] = []
        while limbs.contains(where: { $0 != 0 }) {
            var remainder: UInt64 = 0
            for i in 0..<4 {
                let (q, r) = chunk.dividingFullWidth((high: remainder, low: limbs[i]))
                limbs[i] = q
                remainder = r
            }
            parts.append(remainder)
        }
        guard let last = parts.popLast() else { return "0" }
        var text = String(last)
        for p in parts.reversed() {
            let digits = String(p)
            text += String(repeating: "0", count: 19 - digits.count) + digits
        }
        return text
    }
}
