import Foundation
import PolybotCore
import Polymarket

/// `polybot order sign`: builds and signs a CLOB V2 order offline and prints the digest, the exact POST /order
/// body and (with API credentials) the L2 headers for that body.
public enum OrderSignCommand {
    /// The command's inputs, as parsed from flags.
    public struct Options: Sendable {
        public var tokenId: String
        public var side: String
        public var price: String
        public var size: String?
        public var amount: String?
        public var tickSize: String
        public var negRisk = false
        public var orderType = "GTC"
        public var expiration: Int64?
        public var salt: UInt64?
        public var timestampMs: UInt64?
        public var signatureType: UInt8 = 0
        public var funder: String?
        public var builder: String?
        public var metadata: String?
        public var chainId: UInt64 = 137
        public var clobVersion = 2
        public var l2Timestamp: Int64?
        public var postOnly = false
        /// Market BUY only: the account's pUSD balance; with it the amount is cut to what the balance covers after the
        /// market's taker fee (`feeRate`, `feeExponent`), as the official client's `adjust_buy_amount_for_fees` does.
        public var balance: String?
        public var feeRate: String?
        public var feeExponent: Int?

        /// Creates options with the required fields.
        public init(tokenId: String, side: String, price: String, size: String?, amount: String?, tickSize: String) {
            self.tokenId = tokenId
            self.side = side
            self.price = price
            self.size = size
            self.amount = amount
            self.tickSize = tickSize
        }
    }

    /// Why the command refused.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Signs and renders the output JSON.
    ///
    /// - Parameters:
    ///   - options: the flags.
    ///   - config: supplies `POLY_PRIVATE_KEY` and the API credentials.
    ///   - now: current Unix time in seconds (GTD rule, default timestamps).
    /// - Returns: one JSON object `{"digest", "body", "headers"?}`.
    /// - Throws: ``Failure`` naming the problem.
    public static func run(_ options: Options, config: AppConfiguration, now: Date = Date()) throws -> String {
        guard let keyText = config.privateKey?.revealed else {
            throw Failure(description: "POLY_PRIVATE_KEY (or POLY_PRIVATE_KEY_FILE) is required to sign")
        }
        let key = try PrivateKey(hex: keyText)
        guard let side = TradeSide(rawValue: options.side.uppercased()) else {
            throw Failure(description: "--side must be BUY or SELL")
        }
        guard let orderType = OrderType(rawValue: options.orderType.uppercased()) else {
            throw Failure(description: "--order-type must be GTC, GTD, FOK or FAK")
        }
        let isMarket = orderType == .fok || orderType == .fak
        let quantityText: String
        switch (isMarket, options.size, options.amount) {
        case (false, let size?, nil): quantityText = size
        case (true, nil, let amount?): quantityText = amount
        case (false, _, _): throw Failure(description: "limit orders (GTC/GTD) take --size (shares), not --amount")
        case (true, _, _):
            throw Failure(
                description:
                    "market orders (FOK/FAK) take --amount (USDC to spend for BUY, shares for SELL), not --size")
        }
        guard var quantity = Micros(decimal: quantityText), quantity > .zero else {
            throw Failure(description: "size/amount must be a positive decimal, not \(quantityText)")
        }
        guard let price = Micros(decimal: options.price) else {
            throw Failure(description: "--price must be a decimal, not \(options.price)")
        }
        if let balanceText = options.balance {
            guard isMarket, side == .buy else { throw Failure(description: "--balance is for market BUY orders") }
            guard let balance = Micros(decimal: balanceText), balance >= .zero else {
                throw Failure(description: "--balance must be a decimal ≥ 0, not \(balanceText)")
            }
            // The fee must be stated: a balance check that assumed no fee would overspend on a fee market.
            guard let rateText = options.feeRate, let rate = Micros(decimal: rateText), let e = options.feeExponent,
                let schedule = FeeSchedule(rate: rate, exponent: e)
            else {
                throw Failure(
                    description:
                        "--balance needs the market's fee: --fee-rate R --fee-exponent E (0 and 1 for a free market)")
            }
            guard let adjusted = schedule.adjustedBuyAmount(quantity, price: price, balance: balance), adjusted > .zero
            else {
                throw Failure(description: "the balance \(balance) does not cover a fee-paying BUY at \(price)")
            }
            quantity = adjusted
        }
        guard let tick = TickSize(decimal: options.tickSize) else {
            throw Failure(
                description: "--tick-size must be one of \(TickSize.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let signatureType = SignatureType(rawValue: options.signatureType) else {
            throw Failure(description: "--signature-type must be 0, 1, 2 or 3")
        }
        guard let domain = ExchangeDomain.forVersion(options.clobVersion, chainId: options.chainId) else {
            throw Failure(
                description:
                    "refusing to sign: CLOB version \(options.clobVersion) on chain \(options.chainId) is not one this client knows (2 or 3 on 137 or 80002)"
            )
        }
        var funder: EthAddress?
        if let f = options.funder {
            guard let a = EthAddress(f) else { throw Failure(description: "--funder must be a 0x address") }
            funder = a
        }
        let builder = try OrderBuilder(
            key: key, domain: domain, signatureType: signatureType, funder: funder,
            builderCode: try bytes32(options.builder, flag: "--builder"),
            metadata: try bytes32(options.metadata, flag: "--metadata"))
        let nowSeconds = Int64(now.timeIntervalSince1970)
        let signed = try builder.build(
            OrderRequest(
                tokenId: options.tokenId, side: side, price: price, size: quantity, orderType: orderType,
                tickSize: tick,
                negRisk: options.negRisk, expiration: options.expiration, postOnly: options.postOnly),
            salt: options.salt ?? OrderBuilder.randomSalt(),
            timestampMs: options.timestampMs ?? UInt64(now.timeIntervalSince1970 * 1000), now: nowSeconds)
        let owner = config.apiKey ?? "00000000-0000-0000-0000-000000000000"
        let body = signed.postBody(owner: owner, orderType: orderType, postOnly: options.postOnly)
        var fields = ["\"digest\":\"\(HexCoding.encode(signed.digest))\"", "\"body\":\(jsonString(body))"]
        if let apiKey = config.apiKey, let secret = config.apiSecret, let passphrase = config.passphrase {
            let headers = try L2Auth.headers(
                credentials: ApiCredentials(apiKey: apiKey, secret: secret.revealed, passphrase: passphrase.revealed),
                address: key.address, timestamp: options.l2Timestamp ?? nowSeconds, method: "POST", path: "/order",
                body: body)
            fields.append(
                "\"headers\":{" + headers.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}"
            )
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func bytes32(_ text: String?, flag: String) throws -> [UInt8] {
        guard let text else { return [UInt8](repeating: 0, count: 32) }
        guard let b = HexCoding.decode(text), b.count == 32 else {
            throw Failure(description: "\(flag) must be 32 bytes of hex (0x + 64 digits)")
        }
        return b
    }

    private static func jsonString(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
