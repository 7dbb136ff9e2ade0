import Foundation
import NIOHTTP1
import PolybotCore

/// A Polygon JSON-RPC client for the on-chain truth: ERC-1155 position balances and pUSD balance/allowance.
public struct PolygonRPC: Sendable {
    public let url: String
    public let transport: HTTPTransport

    /// Known contracts (feeds notes §6.1).
    public enum Contracts {
        public static let conditionalTokens = EthAddress("0x4D97DCd97eC945f40cF65F87097ACe5EA0476045")!
        public static let pUSD = EthAddress("0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB")!
        public static let usdcE = EthAddress("0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174")!
        /// The Protocol-V2 position ledger (ERC-1155 of ExchangeV3's position ids; venue facts §3.2).
        public static let positionManager = EthAddress("0x006F54F7f9A22e0000CC2AB60031000000ae9fEF")!
    }

    /// Creates a client.
    public init(url: String, transport: HTTPTransport) {
        self.url = url
        self.transport = transport
    }

    /// One JSON-RPC request; its `result` as text (nil for JSON null). An error object is thrown as a status carrying
    /// its code and message.
    func request(
        _ method: String, _ params: String, idempotent: Bool = true
    ) async throws(PolymarketHTTPError)
        -> String?
    {
        let body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\(method)\",\"params\":\(params)}"
        let r = try await transport.send(.POST, url: url, body: body, family: .rpc, idempotent: idempotent)
        struct Reply: Decodable {
            struct RPCError: Decodable {
                var code: Int?
                var message: String?
            }
            var result: String?
            var error: RPCError?
        }
        let reply = try HTTPTransport.decode(Reply.self, r)
        if let e = reply.error { throw .status(200, message: "rpc error \(e.code ?? 0): \(e.message ?? "")") }
        return reply.result
    }

    /// A request whose result is hex bytes.
    private func bytes(
        _ method: String, _ params: String, idempotent: Bool = true
    ) async throws(PolymarketHTTPError)
        -> [UInt8]
    {
        guard let hex = try await request(method, params, idempotent: idempotent), let bytes = HexCoding.decode(hex)
        else { throw .decode(.missingField("result")) }
        return bytes
    }

    /// A request whose result is a hex quantity (`0x` and no leading zeros, e.g. `0x0`, `0x6fc23ac00`).
    private func quantity(_ method: String, _ params: String) async throws(PolymarketHTTPError) -> UInt64 {
        guard let text = try await request(method, params), text.hasPrefix("0x"),
            let v = UInt64(text.dropFirst(2), radix: 16)
        else { throw .decode(.missingField("result")) }
        return v
    }

    /// `eth_call` at `latest`; returns the result bytes.
    public func call(to: EthAddress, data: [UInt8]) async throws(PolymarketHTTPError) -> [UInt8] {
        try await bytes("eth_call", "[{\"to\":\"\(to.lowercased)\",\"data\":\"\(HexCoding.encode(data))\"},\"latest\"]")
    }

    /// `eth_getCode` at `latest`: the contract code at an address (empty for an EOA or a counterfactual wallet that is
    /// not deployed yet).
    public func code(at address: EthAddress) async throws(PolymarketHTTPError) -> [UInt8] {
        try await bytes("eth_getCode", "[\"\(address.lowercased)\",\"latest\"]")
    }

    /// `eth_getTransactionCount(address, "pending")`: the next nonce.
    public func nonce(of address: EthAddress) async throws(PolymarketHTTPError) -> UInt64 {
        try await quantity("eth_getTransactionCount", "[\"\(address.lowercased)\",\"pending\"]")
    }

    /// `eth_gasPrice` in wei.
    public func gasPrice() async throws(PolymarketHTTPError) -> UInt64 { try await quantity("eth_gasPrice", "[]") }

    /// `eth_estimateGas` of a call from `from`.
    public func estimateGas(from: EthAddress, to: EthAddress, data: [UInt8]) async throws(PolymarketHTTPError) -> UInt64
    {
        try await quantity(
            "eth_estimateGas",
            "[{\"from\":\"\(from.lowercased)\",\"to\":\"\(to.lowercased)\",\"data\":\"\(HexCoding.encode(data))\"}]")
    }

    /// `eth_sendRawTransaction`: the transaction hash. Not retried by the transport (a re-send of the same raw
    /// transaction is harmless on chain, but the caller decides).
    public func sendRawTransaction(_ raw: [UInt8]) async throws(PolymarketHTTPError) -> [UInt8] {
        try await bytes("eth_sendRawTransaction", "[\"\(HexCoding.encode(raw))\"]", idempotent: false)
    }

    /// `eth_getTransactionReceipt`: nil while the transaction is not mined, else whether it succeeded (`status` 1).
    public func receiptSucceeded(_ hash: [UInt8]) async throws(PolymarketHTTPError) -> Bool? {
        let body =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getTransactionReceipt\",\"params\":[\"\(HexCoding.encode(hash))\"]}"
        let r = try await transport.send(.POST, url: url, body: body, family: .rpc, idempotent: true)
        struct Reply: Decodable {
            struct Receipt: Decodable { var status: String? }
            var result: Receipt?
        }
        guard let receipt = try HTTPTransport.decode(Reply.self, r).result else { return nil }
        guard let status = receipt.status else { throw .decode(.missingField("status")) }
        return status == "0x1"
    }

    /// ERC-1155 `balanceOf(account, id)` on the Conditional Tokens contract (or the contract given), in micro shares.
    public func positionBalance(
        owner: EthAddress, tokenId: String, contract: EthAddress = Contracts.conditionalTokens
    )
        async throws(PolymarketHTTPError) -> Micros
    {
        guard let id = UInt256Word(decimal: tokenId) else { throw .invalidRequest("token id \(tokenId)") }
        return try Self.micros(
            try await call(to: contract, data: [0x00, 0xfd, 0xd5, 0x8e] + Self.word(owner) + id.bytes))
    }

    /// ERC-20 `balanceOf(owner)` (pUSD by default).
    public func collateralBalance(
        owner: EthAddress, token: EthAddress = Contracts.pUSD
    ) async throws(PolymarketHTTPError) -> Micros {
        try Self.micros(try await call(to: token, data: [0x70, 0xa0, 0x82, 0x31] + Self.word(owner)))
    }

    /// ERC-20 `allowance(owner, spender)`.
    public func allowance(
        owner: EthAddress, spender: EthAddress, token: EthAddress = Contracts.pUSD
    ) async throws(PolymarketHTTPError)
        -> Micros
    {
        try Self.micros(
            try await call(to: token, data: [0xdd, 0x62, 0xed, 0x3e] + Self.word(owner) + Self.word(spender)))
    }

    /// ERC-1155 `isApprovedForAll(owner, operator)` (selector `0xe985e9c5`): whether `operator` (an exchange) may move
    /// the owner's outcome tokens — without it every SELL (exit) is refused.
    public func isApprovedForAll(
        owner: EthAddress, operator: EthAddress, token: EthAddress = Contracts.conditionalTokens
    ) async throws(PolymarketHTTPError) -> Bool {
        let r = try await call(to: token, data: [0xe9, 0x85, 0xe5, 0xc5] + Self.word(owner) + Self.word(`operator`))
        guard r.count == 32 else { throw .decode(.invalidField("result", HexCoding.encode(r))) }
        return r.contains { $0 != 0 }
    }

    static func word(_ a: EthAddress) -> [UInt8] { [UInt8](repeating: 0, count: 12) + a.bytes }

    /// A uint256 result as micro units; values past Int64 (e.g. an "infinite" allowance) clamp to Int64.max.
    static func micros(_ bytes: [UInt8]) throws(PolymarketHTTPError) -> Micros {
        guard bytes.count == 32 else { throw .decode(.invalidField("result", HexCoding.encode(bytes))) }
        if bytes[0..<24].contains(where: { $0 != 0 }) || bytes[24] & 0x80 != 0 { return Micros(Int64.max) }
        var v: Int64 = 0
        for b in bytes[24..<32] { v = v << 8 | Int64(b) }
        return Micros(v)
    }
}
