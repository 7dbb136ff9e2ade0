import Foundation
import PolybotCore

/// Where whale trades come from and how the sources are checked against each other.
public struct FeedSettings: Sendable, Equatable {
    /// The sources in use: any of `.chain`, `.rtds`, `.dataAPI` (`POLYBOT_FEED_SOURCES`).
    public var sources: Set<TradeSource>
    /// The Polygon WebSocket endpoint for `eth_subscribe` (`POLYBOT_POLYGON_WS_URL`).
    public var polygonWSURL: String?
    /// Blocks a chain trade waits behind the head before it is final (`POLYBOT_CHAIN_CONFIRMATIONS`).
    public var chainConfirmations: Int
    /// How long a whale trade one source delivered may be missing from another (`POLYBOT_FEED_DIVERGENCE_GRACE_SECONDS`).
    public var divergenceGraceSeconds: Int
    /// Funders that never link wallets, beyond Polymarket's contracts: exchanges' hot wallets, bridges
    /// (`POLYBOT_FUNDING_EXCLUDED`, comma-separated).
    public var fundingExcluded: Set<Address>
    /// How far back the funding scanner reads a newly tracked wallet's collateral transfers, in blocks
    /// (`POLYBOT_FUNDING_LOOKBACK_BLOCKS`; about 30 days of Polygon blocks by default).
    public var fundingLookbackBlocks: Int
    /// How many funding steps up a shared funder may be (`POLYBOT_FUNDING_DEPTH`, 1–3).
    public var fundingDepth: Int

    /// The names `POLYBOT_FEED_SOURCES` takes.
    static let names: [String: TradeSource] = ["chain": .chain, "rtds": .rtds, "data-api": .dataAPI]

    /// Reads the settings. Without `POLYBOT_FEED_SOURCES`: `chain,data-api` when a Polygon WebSocket is configured,
    /// else RTDS (when `POLYBOT_FEED` is on) and the Data API, as before the chain source existed.
    static func parse(_ p: inout ConfigurationParser, feedEnabled: Bool, polygonRPCURL: String?) -> FeedSettings {
        let ws = p.optional("POLYBOT_POLYGON_WS_URL").map { _ in
            p.url("POLYBOT_POLYGON_WS_URL", schemes: ["ws", "wss"])
        }
        var sources: Set<TradeSource>
        if let text = p.optional("POLYBOT_FEED_SOURCES") {
            sources = []
            for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
                guard let s = names[name] else {
                    p.problem("POLYBOT_FEED_SOURCES: unknown source \"\(name)\" (use chain, rtds, data-api)")
                    continue
                }
                sources.insert(s)
            }
            if sources.isEmpty { p.problem("POLYBOT_FEED_SOURCES: name at least one of chain, rtds, data-api") }
        } else {
            sources = ws != nil ? [.chain, .dataAPI] : (feedEnabled ? [.rtds, .dataAPI] : [.dataAPI])
        }
        if sources.contains(.chain), polygonRPCURL == nil {
            p.problem("POLYBOT_FEED_SOURCES: the chain source reads eth_getLogs over POLYBOT_POLYGON_RPC_URL; set it")
        }
        if !feedEnabled { sources.remove(.rtds) }
        var excluded = Set<Address>()
        for text in (p.optional("POLYBOT_FUNDING_EXCLUDED") ?? "").split(separator: ",") {
            let t = text.trimmingCharacters(in: .whitespaces)
            guard let a = Address(t) else {
                p.problem("POLYBOT_FUNDING_EXCLUDED: \"\(t)\" is not an address")
                continue
            }
            excluded.insert(a)
        }
        return FeedSettings(
            sources: sources, polygonWSURL: ws,
            chainConfirmations: p.int("POLYBOT_CHAIN_CONFIRMATIONS", in: 0...512),
            divergenceGraceSeconds: p.int("POLYBOT_FEED_DIVERGENCE_GRACE_SECONDS", in: 1...86_400),
            fundingExcluded: excluded,
            fundingLookbackBlocks: p.int("POLYBOT_FUNDING_LOOKBACK_BLOCKS", in: 0...100_000_000),
            fundingDepth: p.int("POLYBOT_FUNDING_DEPTH", in: 1...3))
    }

    /// The sources as `POLYBOT_FEED_SOURCES` writes them.
    public var description: String {
        Self.names.filter { sources.contains($0.value) }.keys.sorted().joined(separator: ",")
    }
}
