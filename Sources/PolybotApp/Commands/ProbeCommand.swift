import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import PolybotCore
import Polymarket
import Synchronization

/// `polybot probe`: checks every configured endpoint and reports status and latency.
public enum ProbeCommand {
    /// One endpoint's result.
    public struct Check: Sendable {
        public var name: String
        public var target: String
        public var ok: Bool
        public var milliseconds: Int
        public var detail: String

        /// The printed line.
        public var line: String {
            "\(ok ? "ok  " : "FAIL") \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(milliseconds).leftPad(6)) ms  \(target)  \(detail)"
        }
    }

    /// Runs every check (REST, WebSockets, RPC when configured) concurrently with a per-check timeout.
    public static func run(config: AppConfiguration, timeout: Duration = .seconds(10), logger: Logger) async -> [Check]
    {
        let transport = HTTPTransport(retry: .none, timeout: timeout, logger: logger)
        defer { Task { try? await transport.shutdown() } }
        let data = DataAPIClient(baseURL: config.dataAPIURL, transport: transport)
        let gamma = GammaClient(baseURL: config.gammaURL, transport: transport)
        let clob = ClobClient(baseURL: config.clobURL, transport: transport)
        var checks: [@Sendable () async -> Check] = [
            {
                await timed("data-api /trades", config.dataAPIURL) {
                    try await "\(data.trades(.init(), limit: 1, offset: 0).count) row(s)"
                }
            },
            {
                await timed("gamma /markets", config.gammaURL) {
                    try await "\(gamma.markets(limit: 1).count) market(s)"
                }
            },
            {
                await timed("clob /version", config.clobURL) {
                    let v = try await clob.version()
                    return ExchangeDomain.forVersion(v, chainId: config.chainId) == nil
                        ? "version \(v): UNKNOWN, orders will not be signed" : "version \(v)"
                }
            },
            { await timed("clob /time", config.clobURL) { "server time \(try await clob.serverTime())" } },
            {
                // The pricing and market-info endpoints, on the first token Gamma lists.
                await timed("clob prices", config.clobURL) {
                    guard let token = try await gamma.markets(limit: 1).first?.clobTokenIds.first else {
                        return "no market listed on Gamma to price"
                    }
                    let bid = try await clob.price(tokenId: token, side: .buy)
                    let points = try await clob.priceHistoryPoints(tokenId: token)
                    let condition = try await clob.conditionId(tokenId: token)
                    return
                        "/price \(bid), /prices-history \(points) point(s), /markets-by-token \(condition.prefix(10))…"
                }
            },
            {
                await webSocket(
                    "rtds", config.rtdsURL, subscribe: RTDSDecoder.subscribeActivity, timeout: timeout, logger: logger)
            },
            {
                await webSocket(
                    "clob ws market",
                    config.clobWSURL.hasSuffix("/market") ? config.clobWSURL : config.clobWSURL + "/market",
                    subscribe: MarketChannelDecoder.subscribe(assetIds: []), timeout: timeout, logger: logger)
            },
        ]
        if !config.geoblockURL.isEmpty {
            let geoblock = GeoblockClient(url: config.geoblockURL, transport: transport)
            checks.append({
                await timed("geoblock", config.geoblockURL) {
                    let s = try await geoblock.status()
                    return s.blocked
                        ? "BLOCKED (\(s.country ?? "?")): entries would be refused" : "allowed (\(s.country ?? "?"))"
                }
            })
        }
        if let keyHex = config.privateKey?.revealed, let apiKey = config.apiKey,
            let secret = config.apiSecret?.revealed, let passphrase = config.passphrase?.revealed,
            let key = try? PrivateKey(hex: keyHex.hasPrefix("0x") ? keyHex : "0x" + keyHex)
        {
            let account = ClobClient(
                baseURL: config.clobURL, transport: transport,
                auth: (ApiCredentials(apiKey: apiKey, secret: secret, passphrase: passphrase), key.address))
            let signatureType = config.signatureType
            checks.append({
                await timed("clob account", config.clobURL) {
                    let b = try await account.collateralBalance(signatureType: signatureType)
                    let closedOnly = try await account.closedOnly()
                    let approved = b.allowances.values.filter { $0.contains { $0 != "0" } }.count
                    return
                        "pUSD \(b.balanceMicros.map { "\($0)" } ?? b.balance) (signature type \(signatureType)), \(approved) allowance(s)\(closedOnly ? ", CLOSE-ONLY" : "")"
                }
            })
        }
        if let rpc = config.polygonRPCURL {
            let client = PolygonRPC(url: rpc, transport: transport)
            checks.append({
                await timed("polygon rpc", rpc) {
                    let balance = try await client.collateralBalance(owner: .zero)
                    return "eth_call ok (pUSD balanceOf(0x0) = \(balance))"
                }
            })
        }
        return await withTaskGroup(of: (Int, Check).self) { group in
            for (i, check) in checks.enumerated() { group.addTask { (i, await check()) } }
            var out: [(Int, Check)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private static func timed(
        _ name: String, _ target: String, _ body: @Sendable () async throws -> String
    ) async -> Check {
        let start = ContinuousClock.now
        do {
            let detail = try await body()
            return Check(name: name, target: target, ok: true, milliseconds: ms(since: start), detail: detail)
        } catch {
            return Check(name: name, target: target, ok: false, milliseconds: ms(since: start), detail: "\(error)")
        }
    }

    /// Connects, subscribes, sends `PING` and waits for any frame.
    private static func webSocket(
        _ name: String, _ url: String, subscribe: String, timeout: Duration, logger: Logger
    ) async -> Check {
        let start = ContinuousClock.now
        let firstFrame = FrameBox()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                        try await outbound.write(.text(subscribe))
                        try await outbound.write(.text("PING"))
                        for try await message in inbound.messages(maxSize: 1 << 22) {
                            if case .text(let t) = message {
                                firstFrame.value.withLock { $0 = String(t.prefix(40)) }
                                try await outbound.close(.normalClosure, reason: nil)
                                return
                            }
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw CancellationError()
                }
                _ = try await group.next()
                group.cancelAll()
            }
            let frame = firstFrame.value.withLock { $0 }
            return Check(
                name: name, target: url, ok: frame != nil, milliseconds: ms(since: start),
                detail: frame.map { "first frame: \($0.isEmpty ? "(empty)" : $0)" } ?? "connected but no frame")
        } catch {
            let frame = firstFrame.value.withLock { $0 }
            return Check(
                name: name, target: url, ok: frame != nil, milliseconds: ms(since: start),
                detail: frame.map { "first frame: \($0)" }
                    ?? (error is CancellationError ? "no frame within \(timeout)" : "\(error)"))
        }
    }

    private static func ms(since start: ContinuousClock.Instant) -> Int {
        let d = ContinuousClock.now - start
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// The first frame a probe saw, shared with the socket's task.
private final class FrameBox: Sendable {
    let value = Mutex<String?>(nil)
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
