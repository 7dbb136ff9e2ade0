import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOFoundationCompat
import PolybotCore
import Polymarket

/// A Polygon JSON-RPC stand-in: `eth_getCode` (deployed wallets have code), `eth_call` for ERC-1155 `balanceOf(address,uint256)` (our holdings) and ERC-20
/// `balanceOf(address)` / `allowance` (pUSD balance; allowance reported unlimited), ERC-1155 `isApprovedForAll`, and the
/// transaction methods of an EOA's own redemption (`eth_getTransactionCount`, `eth_gasPrice`, `eth_estimateGas`,
/// `eth_sendRawTransaction` of a signed EIP-1559 transaction, `eth_getTransactionReceipt`).
enum SimRPCRoutes {
    static func add(to router: Router<BasicWebSocketRequestContext>, exchange: SimExchange) {
        router.post("/rpc") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            return SimServer.json(await answer(Data(buffer: body), exchange: exchange))
        }
    }

    /// The answer to one JSON-RPC request (HTTP body or WebSocket frame), as JSON text.
    static func answer(_ body: Data, exchange: SimExchange) async -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}"#
        }
        let id = (object["id"] as? NSNumber)?.stringValue ?? "1"
        func result(_ value: Int64) -> String {
            let hex = HexCoding.encode(UInt256Word(UInt64(max(0, value))).bytes)
            return "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\"\(hex)\"}"
        }
        if let chain = await chainMethod(object, id: id, exchange: exchange) { return chain }
        // eth_getCode: a registered, deployed wallet has code; a counterfactual one (and any EOA) has none.
        if object["method"] as? String == "eth_getCode", let params = object["params"] as? [Any],
            let target = (params.first as? String).flatMap({ EthAddress($0) })
        {
            let code = await exchange.wallet(target).map { $0.deployed ? "0x6080604052" : "0x" } ?? "0x"
            return "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\"\(code)\"}"
        }
        if let answer = await transactionMethod(object, id: id, exchange: exchange) { return answer }
        guard object["method"] as? String == "eth_call", let params = object["params"] as? [Any],
            let call = params.first as? [String: Any],
            let data = (call["data"] as? String).flatMap({ HexCoding.decode($0) }),
            data.count >= 4
        else {
            return
                "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"error\":{\"code\":-32601,\"message\":\"method not supported\"}}"
        }
        let selector = Array(data.prefix(4))
        func address(at offset: Int) -> EthAddress? {
            guard data.count >= offset + 32 else { return nil }
            return EthAddress(bytes: Array(data[(offset + 12)..<(offset + 32)]))
        }
        switch selector {
        case [0x00, 0xfd, 0xd5, 0x8e]:  // ERC-1155 balanceOf(address,uint256)
            guard let owner = address(at: 4), data.count >= 68 else { break }
            let token = decimal(Array(data[36..<68]))
            return result(await exchange.holding(of: owner, token: token).raw)
        case [0x70, 0xa0, 0x82, 0x31]:  // ERC-20 balanceOf(address)
            guard let owner = address(at: 4) else { break }
            return result(await exchange.balance(of: owner).raw)
        case [0xdd, 0x62, 0xed, 0x3e]:  // allowance(address,address): unlimited unless withdrawn
            guard let owner = address(at: 4) else { break }
            if !(await exchange.hasAllowance(owner)) { return result(0) }
            return "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\"0x" + String(repeating: "f", count: 64) + "\"}"
        case [0xe9, 0x85, 0xe5, 0xc5]:  // ERC-1155 isApprovedForAll(address,address): approved unless withdrawn
            guard let owner = address(at: 4), let op = address(at: 36) else { break }
            return result(await exchange.isApprovedForAll(owner: owner, operator: op) ? 1 : 0)
        default: break
        }
        return "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"error\":{\"code\":-32000,\"message\":\"execution reverted\"}}"
    }

    /// The transaction methods an EOA's own redemption needs: nonce, gas price, gas estimate, raw transaction and
    /// receipt. Nil for any other method.
    static func transactionMethod(_ object: [String: Any], id: String, exchange: SimExchange) async -> String? {
        let params = object["params"] as? [Any] ?? []
        func answer(_ result: String) -> String { "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\(result)}" }
        func failure(_ message: String) -> String {
            "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"error\":{\"code\":-32000,\"message\":\(SimJSON.string(message))}}"
        }
        func quantity(_ v: UInt64) -> String { "\"0x" + String(v, radix: 16) + "\"" }
        switch object["method"] as? String {
        case "eth_chainId": return answer(quantity(137))
        case "eth_gasPrice": return answer(quantity(30_000_000_000))
        case "eth_getTransactionCount":
            guard let a = params.first as? String else { return failure("address required") }
            return answer(quantity(await exchange.nonce(of: a)))
        case "eth_estimateGas":
            guard let call = params.first as? [String: Any], let from = call["from"] as? String,
                let to = (call["to"] as? String).flatMap({ EthAddress($0) }),
                let data = (call["data"] as? String).flatMap({ HexCoding.decode($0) })
            else { return failure("invalid call") }
            guard await exchange.redeemCall(from: from.lowercased(), to: to, data: data, execute: false) != nil else {
                return failure("execution reverted")
            }
            return answer(quantity(180_000))
        case "eth_sendRawTransaction":
            guard let raw = (params.first as? String).flatMap({ HexCoding.decode($0) }) else {
                return failure("invalid raw transaction")
            }
            switch await exchange.sendRawTransaction(raw) {
            case .success(let hash): return answer("\"\(HexCoding.encode(hash))\"")
            case .failure(let e): return failure(e.message)
            }
        case "eth_getTransactionReceipt":
            guard let hash = params.first as? String else { return failure("hash required") }
            guard let ok = await exchange.receipt(hash) else { return answer("null") }
            return answer("{\"transactionHash\":\"\(hash)\",\"status\":\"\(ok ? "0x1" : "0x0")\"}")
        default: return nil
        }
    }

    /// A 32-byte big-endian integer as decimal text.
    static func decimal(_ bytes: [UInt8]) -> String {
        var digits: [UInt8] = [0]
        for b in bytes {
            var carry = Int(b)
            for i in 0..<digits.count {
                let v = Int(digits[i]) * 256 + carry
                digits[i] = UInt8(v % 10)
                carry = v / 10
            }
            while carry > 0 {
                digits.append(UInt8(carry % 10))
                carry /= 10
            }
        }
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        return String(digits.reversed().map { Character(String($0)) })
    }
}
