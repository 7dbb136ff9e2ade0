import Foundation
import NIOHTTP1
import PolybotCore

/// A block header as far as the chain source needs it.
public struct ChainBlock: Sendable, Equatable {
    public var number: Int64
    public var hash: String
    /// Block time, Unix seconds.
    public var timestamp: Int64

    /// Creates a header.
    public init(number: Int64, hash: String, timestamp: Int64) {
        self.number = number
        self.hash = hash
        self.timestamp = timestamp
    }
}

/// Why a chain read failed.
public enum ChainRPCError: Error, Equatable, CustomStringConvertible {
    /// `eth_getLogs` refused the range for its size ("query returned more than N results", code -32005): ask for less.
    case tooManyResults(String)
    /// Any other JSON-RPC error object.
    case rpc(code: Int, message: String)
    /// The request did not get an answer.
    case transport(PolymarketHTTPError)
    /// The answer was not what the method returns.
    case malformed(String)

    public var description: String {
        switch self {
        case .tooManyResults(let m): "too many results: \(m)"
        case .rpc(let code, let m): "rpc error \(code): \(m)"
        case .transport(let e): "\(e)"
        case .malformed(let m): "malformed answer: \(m)"
        }
    }

    /// Reads a JSON-RPC error object: a size refusal (the codes and wordings nodes use) or another error.
    static func from(code: Int, message: String) -> ChainRPCError {
        let m = message.lowercased()
        let sizeWords = [
            "more than", "too many", "limit exceeded", "block range", "range too", "response size", "too large",
            "exceed",
        ]
        if code == -32005 || sizeWords.contains(where: { m.contains($0) }) {
            return .tooManyResults(message)
        }
        return .rpc(code: code, message: message)
    }
}

/// `eth_blockNumber`, `eth_getBlockByNumber` and `eth_getLogs`: what the chain source reads over HTTP.
extension PolygonRPC {
    private struct Reply<T: Decodable>: Decodable {
        struct RPCError: Decodable {
            var code: Int?
            var message: String?
        }
        var result: T?
        var error: RPCError?
    }

    private func post(_ method: String, _ params: String) async throws(ChainRPCError) -> HTTPResult {
        let body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\(method)\",\"params\":\(params)}"
        do { return try await transport.send(.POST, url: url, body: body, family: .rpc, idempotent: true) } catch {
            throw .transport(error)
        }
    }

    private func call<T: Decodable>(
        _ method: String, _ params: String, answer given: HTTPResult? = nil
    ) async throws(ChainRPCError) -> T? {
        let answer: HTTPResult
        if let given { answer = given } else { answer = try await post(method, params) }
        let reply: Reply<T>
        do { reply = try HTTPTransport.decode(Reply<T>.self, answer) } catch { throw .malformed("\(method): \(error)") }
        if let e = reply.error { throw ChainRPCError.from(code: e.code ?? 0, message: e.message ?? "") }
        return reply.result
    }

    /// The newest block number.
    public func blockNumber() async throws(ChainRPCError) -> Int64 {
        let text: String? = try await call("eth_blockNumber", "[]")
        guard let text, let n = ChainHex.quantity(text) else { throw .malformed("eth_blockNumber") }
        return n
    }

    /// A block's number, hash and time; nil when the node has no such block yet.
    public func block(_ number: Int64) async throws(ChainRPCError) -> ChainBlock? {
        struct Header: Decodable {
            var number: String
            var hash: String
            var timestamp: String
        }
        let h: Header? = try await call("eth_getBlockByNumber", "[\"\(ChainHex.quantity(number))\",false]")
        guard let h else { return nil }
        guard let n = ChainHex.quantity(h.number), let t = ChainHex.quantity(h.timestamp), n == number else {
            throw .malformed("eth_getBlockByNumber \(number)")
        }
        return ChainBlock(number: n, hash: h.hash.lowercased(), timestamp: t)
    }

    /// The logs of `addresses` with topic 0 `topic0` in blocks `from...to`.
    ///
    /// - Throws: ``ChainRPCError/tooManyResults(_:)`` when the node refuses the range for its size.
    public func logs(
        from: Int64, to: Int64, addresses: [String], topic0: String
    ) async throws(ChainRPCError) -> [ChainLog] {
        try await rawLogs(
            ChainHex.logFilter(from: ChainHex.quantity(from), to: ChainHex.quantity(to), addresses, topic0))
    }

    /// `eth_getLogs` with a filter object as JSON text.
    func rawLogs(_ filter: String) async throws(ChainRPCError) -> [ChainLog] {
        let answer = try await post("eth_getLogs", "[\(filter)]")
        // A backfill reads millions of logs: the scanner first, the decoder (and its precise error) when it refuses.
        if let logs = ChainLogScanner.logs(answer.body) { return logs }
        let decoded: [ChainLog]? = try await call("eth_getLogs", "", answer: answer)
        guard let logs = decoded else { throw .malformed("eth_getLogs returned null") }
        return logs
    }
}

/// Hex quantities as JSON-RPC writes them.
public enum ChainHex {
    /// `0x` + hex without leading zeros.
    public static func quantity(_ n: Int64) -> String { "0x" + String(n, radix: 16) }

    /// A hex quantity's value; nil when it is not `0x` + hex digits or does not fit.
    public static func quantity(_ text: String) -> Int64? {
        guard text.hasPrefix("0x"), text.utf8.count > 2 else { return nil }
        return Int64(text.dropFirst(2), radix: 16)
    }

    /// The filter object of `eth_getLogs` / `eth_subscribe("logs")` (`from`/`to` nil: a subscription has no range).
    public static func logFilter(from: String?, to: String?, _ addresses: [String], _ topic0: String) -> String {
        var parts: [String] = []
        if let from { parts.append("\"fromBlock\":\"\(from)\"") }
        if let to { parts.append("\"toBlock\":\"\(to)\"") }
        parts.append("\"address\":[" + addresses.map { "\"\($0.lowercased())\"" }.joined(separator: ",") + "]")
        parts.append("\"topics\":[\"\(topic0)\"]")
        return "{" + parts.joined(separator: ",") + "}"
    }
}
