import Foundation
import PolybotCore

/// Who signs and who funds (signing notes §3.3, §8.3).
public enum SignatureType: UInt8, Sendable, Codable, CaseIterable {
    /// The EOA signs and funds.
    case eoa = 0
    /// A Polymarket proxy wallet funds; its owner EOA signs.
    case polyProxy = 1
    /// A Gnosis Safe funds; an owner EOA signs.
    case polyGnosisSafe = 2
    /// An ERC-1271 deposit wallet (ERC-7739 envelope).
    case poly1271 = 3
}

/// The exchange contracts an order is signed for, by CLOB protocol version and chain.
public struct ExchangeDomain: Sendable, Equatable {
    /// EIP-712 domain version: "2" (live since 2026-04-28) or "3".
    public var version: String
    public var chainId: UInt64
    public var exchange: EthAddress
    public var negRiskExchange: EthAddress

    /// The contract for a market.
    public func contract(negRisk: Bool) -> EthAddress { negRisk ? negRiskExchange : exchange }

    /// Domain separator for a market.
    public func separator(negRisk: Bool) -> [UInt8] {
        EIP712.domainSeparator(
            name: "Polymarket CTF Exchange", version: version, chainId: chainId,
            verifyingContract: contract(negRisk: negRisk))
    }

    /// The domain for a protocol version read from `GET /version`, or nil when this client does not know it —
    /// in which case nothing must be signed.
    public static func forVersion(_ version: Int, chainId: UInt64) -> ExchangeDomain? {
        guard chainId == 137 || chainId == 80002 else { return nil }
        switch version {
        case 2:
            return ExchangeDomain(
                version: "2", chainId: chainId, exchange: EthAddress("0xE111180000d2663C0091e4f400237545B87B996B")!,
                negRiskExchange: EthAddress("0xe2222d279d744050d28e00520010520000310F59")!)
        case 3:
            // V3 signs the same struct with one exchange for both kinds of market (signing notes §8.7).
            let v3 = EthAddress(
                chainId == 137
                    ? "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa" : "0x9fE6e61422AdB6F610d8597F9684b16912D50C3D")!
            return ExchangeDomain(version: "3", chainId: chainId, exchange: v3, negRiskExchange: v3)
        default:
            return nil
        }
    }
}

/// A CLOB V2 order: the 11 signed fields plus the unsigned `expiration`.
public struct OrderV2: Sendable, Equatable {
    public var salt: UInt64
    public var maker: EthAddress
    public var signer: EthAddress
    /// Token id, decimal text of a uint256.
    public var tokenId: String
    public var makerAmount: Int64
    public var takerAmount: Int64
    public var side: TradeSide
    public var signatureType: SignatureType
    /// Creation time in milliseconds.
    public var timestampMs: UInt64
    public var metadata: [UInt8]
    public var builder: [UInt8]
    /// GTD expiry (Unix seconds), 0 for none. Sent in the body, not signed.
    public var expiration: Int64

    /// Creates an order from its fields.
    public init(
        salt: UInt64, maker: EthAddress, signer: EthAddress, tokenId: String, makerAmount: Int64, takerAmount: Int64,
        side: TradeSide, signatureType: SignatureType, timestampMs: UInt64, metadata: [UInt8], builder: [UInt8],
        expiration: Int64
    ) {
        self.salt = salt
        self.maker = maker
        self.signer = signer
        self.tokenId = tokenId
        self.makerAmount = makerAmount
        self.takerAmount = takerAmount
        self.side = side
        self.signatureType = signatureType
        self.timestampMs = timestampMs
        self.metadata = metadata
        self.builder = builder
        self.expiration = expiration
    }

    static let typeString =
        "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)"
    static let typeHash = EIP712.typeHash(typeString)

    /// The EIP-712 struct hash. Precondition: `tokenId` is a valid uint256 decimal (checked by the builder).
    public var structHash: [UInt8] {
        var e = EIP712.Encoder(typeHash: Self.typeHash)
        e.uint(salt)
        e.address(maker)
        e.address(signer)
        e.uint256(UInt256Word(decimal: tokenId)!)
        e.uint(UInt64(makerAmount))
        e.uint(UInt64(takerAmount))
        e.uint(side == .buy ? 0 : 1)
        e.uint(UInt64(signatureType.rawValue))
        e.uint(timestampMs)
        e.bytes32(metadata)
        e.bytes32(builder)
        return e.hash()
    }

    /// The digest signed (and the order id the CLOB reports).
    public func digest(domain: ExchangeDomain, negRisk: Bool) -> [UInt8] {
        EIP712.digest(domainSeparator: domain.separator(negRisk: negRisk), structHash: structHash)
    }
}

/// An order with its signature.
public struct SignedOrderV2: Sendable, Equatable {
    public var order: OrderV2
    /// `0x`-hex signature bytes (65 bytes for types 0–2, the ERC-7739 envelope for type 3).
    public var signature: String
    /// The signed digest.
    public var digest: [UInt8]

    /// The exact JSON text of the `order` object, key order as py-clob-client-v2 `order_to_json_v2`.
    public var orderJSON: String {
        let o = order
        return "{\"salt\":\(o.salt),\"maker\":\"\(o.maker.checksummed)\",\"signer\":\"\(o.signer.checksummed)\","
            + "\"tokenId\":\"\(o.tokenId)\",\"makerAmount\":\"\(o.makerAmount)\",\"takerAmount\":\"\(o.takerAmount)\","
            + "\"side\":\"\(o.side.rawValue)\",\"expiration\":\"\(o.expiration)\",\"signatureType\":\(o.signatureType.rawValue),"
            + "\"timestamp\":\"\(o.timestampMs)\",\"metadata\":\"\(HexCoding.encode(o.metadata))\","
            + "\"builder\":\"\(HexCoding.encode(o.builder))\",\"signature\":\"\(signature)\"}"
    }

    /// The exact POST /order body: the HMAC is computed over these bytes and exactly these bytes are sent.
    public func postBody(owner: String, orderType: OrderType, postOnly: Bool = false, deferExec: Bool = false) -> String
    {
        "{\"order\":\(orderJSON),\"owner\":\"\(JSONText.escape(owner))\",\"orderType\":\"\(orderType.rawValue)\","
            + "\"deferExec\":\(deferExec),\"postOnly\":\(postOnly)}"
    }
}

/// Minimal JSON string escaping for values embedded in hand-built bodies (shared with the simulator).
package enum JSONText {
    /// The escaped content of a JSON string (without the surrounding quotes).
    package static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
