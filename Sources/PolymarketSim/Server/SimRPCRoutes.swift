import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOFoundationCompat
import PolybotCore
import Polymarket

/// A Polygon JSON-RPC stand-in: `eth_getCode` (deployed wallets have code), `eth_call` for ERC-1155 `balanceOf(address,uint256)` (our holdings) and ERC-20
/// `balanceOf(address)` / `allowance` (pUSD balance; allowance reported unlimited).
enum SimRPCRoutes {
    static func add(to router: Router<BasicWebSocketRequestContext>, exchange: SimExchange) {
        router.post("/rpc") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
                return SimServer.json(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}"#)
            }
            let id = (object["id"] as? NSNumber)?.stringValue ?? "1"
            func result(_ value: Int64) -> Response {
                let hex = HexCoding.encode(UInt256Word(UInt64(max(0, value))).bytes)
                return SimServer.json("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\"\(hex)\"}")
            }
            // eth_getCode: a registered, deployed wallet has code; a counterfactual one (and any EOA) has none.
            if object["method"] as? String == "eth_getCode", let params = object["params"] as? [Any],
                let target = (params.first as? String).flatMap({ EthAddress($0) })
            {
                let code = await exchange.wallet(target).map { $0.deployed ? "0x6080604052" : "0x" } ?? "0x"
                return SimServer.json("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\"\(code)\"}")
            }
            guard object["method"] as? String == "eth_call", let params = object["params"] as? [Any],
                let call = params.first as? [String: Any],
                let data = (call["data"] as? String).flatMap({ HexCoding.decode($0) }),
                data.count >= 4
            else {
                return SimServer.json(
                    "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"error\":{\"code\":-32601,\"message\":\"method not supported\"}}"
                )
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
                return SimServer.json(
                    "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"result\":\"0x" + String(repeating: "f", count: 64) + "\"}")
            case [0xe9, 0x85, 0xe5, 0xc5]:  // ERC-1155 isApprovedForAll(address,address): approved unless withdrawn
                guard let owner = address(at: 4), let op = address(at: 36) else { break }
                return result(await exchange.isApprovedForAll(owner: owner, operator: op) ? 1 : 0)
            default: break
            }
            return SimServer.json(
                "{\"jsonrpc\":\"2.0\",\"id\":\(id),\"error\":{\"code\":-32000,\"message\":\"execution reverted\"}}")
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
