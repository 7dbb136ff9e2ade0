import Foundation

/// Reads an `eth_getLogs` answer's `result` with ``FastJSONScanner``: nil for anything else (an error object, a shape
/// it does not know), which the caller then decodes the slow, precise way.
public enum ChainLogScanner {
    /// The logs of an `eth_getLogs` answer, or nil when the scanner cannot read it (the caller decodes it then).
    public static func logs(_ body: Data) -> [ChainLog]? {
        body.withUnsafeBytes { raw -> [ChainLog]? in
            var s = FastJSONScanner(raw.bindMemory(to: UInt8.self))
            var logs: [ChainLog]?
            do throws(FastJSONScanner.Failure) {
                try s.object { (s: inout FastJSONScanner, key) throws(FastJSONScanner.Failure) in
                    guard key == "result" else { return try s.skipValue() }
                    var out: [ChainLog] = []
                    try s.array { (s: inout FastJSONScanner) throws(FastJSONScanner.Failure) in
                        out.append(try log(&s))
                    }
                    logs = out
                }
            } catch {
                return nil
            }
            return logs
        }
    }

    private static func log(_ s: inout FastJSONScanner) throws(FastJSONScanner.Failure) -> ChainLog {
        var (address, data, block, tx, index): (String?, String?, String?, String?, String?) = (nil, nil, nil, nil, nil)
        var (hash, time, removed): (String?, String?, Bool?) = (nil, nil, nil)
        var topics: [String]?
        try s.object { (s: inout FastJSONScanner, key) throws(FastJSONScanner.Failure) in
            switch key {
            case "address": address = try s.string()
            case "data": data = try s.string()
            case "blockNumber": block = try s.string()
            case "transactionHash": tx = try s.string()
            case "logIndex": index = try s.string()
            case "blockHash": hash = try s.optionalString()
            case "blockTimestamp": time = try s.optionalString()
            case "removed": removed = try s.optionalBool()
            case "topics":
                var t: [String] = []
                try s.array { (s: inout FastJSONScanner) throws(FastJSONScanner.Failure) in t.append(try s.string()) }
                topics = t
            default: try s.skipValue()
            }
        }
        guard let address, let data, let block, let tx, let index, let topics else { throw FastJSONScanner.Failure() }
        return ChainLog(
            address: address, topics: topics, data: data, blockNumber: block, blockHash: hash, transactionHash: tx,
            logIndex: index, removed: removed, blockTimestamp: time)
    }
}
