import Foundation
import PolybotCore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Polymarket's official Python client (`py-clob-client-v2` 1.2.1 from PyPI) driven against the simulator over
/// loopback: keys, balance and allowances, every public price endpoint, a resting limit order (lookup, scoring,
/// cancel), a market order priced from the book, and the trades — once per signature type the client signs.
@Suite("official py-clob-client-v2 against polymarket-sim", .serialized, .tags(.spawnsProcesses))
struct OfficialClientTests {
    static let startingBalanceRaw: Int64 = 100_000_000_000
    static let keyHex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

    @Test(
        "keys, balance, prices, limit + market orders, cancel and trades",
        .enabled(if: OfficialClient.reachable, Comment(rawValue: OfficialClient.skipReason)),
        arguments: [SignatureType.eoa, .polyProxy, .polyGnosisSafe, .poly1271])
    func officialClientFlow(signatureType: SignatureType) async throws {
        guard case .ready(let python) = OfficialClient.setup else {
            Issue.record("the official client's environment did not build: \(OfficialClient.setup)")
            return
        }
        let exchange = SimExchange(trades: generated(400))
        await exchange.publishNext(400)
        let (token, _, _, _) = try await tradableToken(exchange)
        let owner = testTradingKey.address
        // A funder wallet of the type the client signs for (the EOA itself for type 0).
        let funder: EthAddress? =
            signatureType == .eoa
            ? nil : EthAddress(bytes: [UInt8](repeating: 0xA0 + signatureType.rawValue, count: 20))
        if let funder { await exchange.registerWallet(funder, SimWallet(kind: signatureType, owner: owner)) }
        let payer = funder ?? owner
        try await withSimulator(exchange) { base, _ in
            let run = try await OfficialClient.flow(
                python: python, host: base + "/clob", key: Self.keyHex, token: token,
                signatureType: Int(signatureType.rawValue), funder: funder?.checksummed)
            #expect(run.status == 0, "official client failed: \(run.stderr)")
            let out = try #require(try JSONSerialization.jsonObject(with: run.json) as? [String: Any])
            let apiKey = try #require(out["api_key"] as? String)
            #expect(((out["api_keys"] as? [String: Any])?["apiKeys"] as? [String]) == [apiKey])
            #expect(out["version"] as? Int == 2)

            // Balance: the funder's pUSD, with allowances to the exchange contracts.
            let before = try #require(out["balance_before"] as? [String: Any])
            #expect((before["balance"] as? String) == String(Self.startingBalanceRaw))
            // V2, neg-risk V2, V3 and the retired neg-risk adapter (still listed).
            #expect(((before["allowances"] as? [String: String]) ?? [:]).count == 4)

            // Prices agree with the book the client read.
            let book = try #require(out["book"] as? [String: Any])
            let bids = try #require(book["bids"] as? [[String: String]])
            let asks = try #require(book["asks"] as? [[String: String]])
            let bestBid = try #require(bids.compactMap { Double($0["price"] ?? "") }.max())
            let bestAsk = try #require(asks.compactMap { Double($0["price"] ?? "") }.min())
            #expect(Double((out["price_buy"] as? [String: String])?["price"] ?? "") == bestBid)
            #expect(Double((out["price_sell"] as? [String: String])?["price"] ?? "") == bestAsk)
            let spread = try #require(Double((out["spread"] as? [String: String])?["spread"] ?? ""))
            #expect(abs(spread - (bestAsk - bestBid)) < 1e-9)
            #expect((out["prices"] as? [String: [String: String]])?[token]?.count == 2)
            #expect((out["midpoints"] as? [String: String])?[token] != nil)
            #expect((out["spreads"] as? [String: String])?[token] != nil)
            #expect((out["last_trades_prices"] as? [[String: String]])?.first?["token_id"] == token)
            #expect(((out["prices_history"] as? [String: Any])?["history"] as? [Any])?.isEmpty == false)

            // The resting limit order: live, found, scoring, then cancelled.
            let limit = try #require(out["limit"] as? [String: Any])
            let limitId = try #require(limit["orderID"] as? String)
            #expect(limit["success"] as? Bool == true && limit["status"] as? String == "live")
            #expect((out["limit_lookup"] as? [String: Any])?["id"] as? String == limitId)
            #expect((out["limit_scoring"] as? [String: Any])?["scoring"] as? Bool == true)
            #expect(((out["cancel"] as? [String: Any])?["canceled"] as? [String]) == [limitId])

            // The market order: filled at once; its trade ids lead to our trades.
            let market = try #require(out["market"] as? [String: Any])
            #expect(market["success"] as? Bool == true && market["status"] as? String == "matched")
            let tradeIds = try #require(market["tradeIDs"] as? [String])
            #expect(!tradeIds.isEmpty)
            let trades = try #require(out["trades"] as? [[String: Any]])
            #expect(Set(trades.compactMap { $0["id"] as? String }).isSuperset(of: tradeIds))
            let after = try #require(Int64((out["balance_after"] as? [String: Any])?["balance"] as? String ?? ""))
            #expect(after < Self.startingBalanceRaw)
            let venueBalance = await exchange.balance(of: payer).raw
            #expect(after == venueBalance)
            let held = try #require(Int64((out["holding_after"] as? [String: Any])?["balance"] as? String ?? ""))
            let venueHolding = await exchange.holding(of: payer, token: token).raw
            #expect(held > 0 && held == venueHolding)

            // Exactly the two orders the client sent, both on the funder's account.
            let orders = await exchange.allOrders
            #expect(orders.count == 2)
            #expect(orders.allSatisfy { $0.maker == payer.lowercased })
        }
    }
}
