import ArgumentParser
import Foundation
import PolybotApp

/// `polybot order …`.
struct Order: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build and sign CLOB V2 orders.", subcommands: [Sign.self])

    /// `polybot order sign`.
    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Build and sign a CLOB V2 order offline; print its digest, the exact POST /order body and L2 headers.",
            discussion: """
                Key and credentials come from POLY_PRIVATE_KEY, POLY_API_KEY, POLY_API_SECRET, POLY_PASSPHRASE (or the \
                …_FILE variants). Output: {"digest": "0x…", "body": "<exact POST /order body>", "headers": {…}}; \
                headers only when API credentials are set. The body's owner is POLY_API_KEY (a zero UUID without it).

                Limit orders (GTC/GTD) take --size in shares; market orders (FOK/FAK) take --amount (USDC for BUY, \
                shares for SELL). Amounts are exact integers per the CLOB rounding rules; nothing is sent anywhere.
                """)

        @OptionGroup var common: CommonOptions
        @Option(name: .customLong("token-id"), help: "Outcome token id (decimal).") var tokenId: String
        @Option(help: "BUY or SELL.") var side: String
        @Option(help: "Limit price, e.g. 0.55 (must sit on the tick).") var price: String
        @Option(help: "Shares (limit orders).") var size: String?
        @Option(help: "USDC to spend (market BUY) or shares to sell (market SELL).") var amount: String?
        @Option(name: .customLong("tick-size"), help: "0.1, 0.01, 0.005, 0.001, 0.0025 or 0.0001.") var tickSize: String
        @Flag(name: .customLong("neg-risk"), help: "Sign for the neg-risk exchange.") var negRisk = false
        @Option(name: .customLong("order-type"), help: "GTC, GTD, FOK or FAK (default GTC).") var orderType = "GTC"
        @Option(help: "GTD expiry, Unix seconds (≥ now + 60).") var expiration: Int64?
        @Option(help: "Salt (≤ 2^53 − 1; random by default).") var salt: UInt64?
        @Option(name: .customLong("timestamp-ms"), help: "Order timestamp in ms (default now).") var timestampMs:
            UInt64?
        @Option(name: .customLong("signature-type"), help: "0 EOA, 1 proxy, 2 Gnosis Safe, 3 deposit wallet.")
        var signatureType: UInt8 = 0
        @Option(help: "Funder (maker) address for signature types 1–3.") var funder: String?
        @Option(help: "Builder code, 32 bytes hex.") var builder: String?
        @Option(help: "Metadata, 32 bytes hex.") var metadata: String?
        @Option(name: .customLong("chain-id"), help: "137 (Polygon, default) or 80002 (Amoy).") var chainId: UInt64 =
            137
        @Option(
            name: .customLong("clob-version"), help: "Exchange protocol version from GET /version (2 or 3; default 2).")
        var clobVersion = 2
        @Option(name: .customLong("l2-timestamp"), help: "POLY_TIMESTAMP for the L2 headers (default now).")
        var l2Timestamp: Int64?
        @Flag(name: .customLong("post-only"), help: "Post-only (GTC/GTD only).") var postOnly = false
        @Option(
            help:
                "Market BUY: the pUSD balance; the amount is cut to what it covers after the taker fee (the official client's adjust_buy_amount_for_fees)."
        ) var balance: String?
        @Option(name: .customLong("fee-rate"), help: "The market's fee rate (with --balance), e.g. 0.04.") var feeRate:
            String?
        @Option(name: .customLong("fee-exponent"), help: "The market's fee exponent (with --balance), 0–2.")
        var feeExponent: Int?

        func run() async throws {
            let (config, _) = try common.load()
            var o = OrderSignCommand.Options(
                tokenId: tokenId, side: side, price: price, size: size, amount: amount, tickSize: tickSize)
            o.negRisk = negRisk
            o.orderType = orderType
            o.expiration = expiration
            o.salt = salt
            o.timestampMs = timestampMs
            o.signatureType = signatureType
            o.funder = funder
            o.builder = builder
            o.metadata = metadata
            o.chainId = chainId
            o.clobVersion = clobVersion
            o.l2Timestamp = l2Timestamp
            o.postOnly = postOnly
            o.balance = balance
            o.feeRate = feeRate
            o.feeExponent = feeExponent
            do {
                print(try OrderSignCommand.run(o, config: config))
            } catch {
                FileHandle.standardError.write(Data("polybot order sign: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
