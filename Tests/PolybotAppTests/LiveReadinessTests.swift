import Foundation
import Logging
import NIOHTTP1
import PolybotApp
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 17: the checks before live trading, against the simulator's CLOB, RPC and geoblock endpoints. Trading that
/// cannot work stops the start with a reason (no pUSD, no allowance, a counterfactual deposit wallet); the venue's
/// access rules (geoblocked, close-only) refuse entries only, and the pipeline then starts reduce-only.
@Suite("Live readiness checks", .serialized)
struct LiveReadinessTests {
    let logger = Logger(label: "test.readiness")
    static let ownerHex = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

    /// A live configuration against the simulator at `base` for `key`, with `extra` settings.
    func liveSetup(
        base: String, signatureType: SignatureType = .eoa, funder: EthAddress? = nil
    ) async throws
        -> LiveTrading
    {
        let key = try PrivateKey(hex: "0x" + Self.ownerHex)
        let transport = HTTPTransport(retry: .none, timeout: .seconds(5), logger: logger)
        defer { Task { try? await transport.shutdown() } }
        let clob = ClobClient(baseURL: base + "/clob", transport: transport)
        let creds = try await clob.createOrDeriveApiKey(key: key, chainId: 137)
        var env = [
            "POLYBOT_MODE": "live", "POLY_PRIVATE_KEY": Self.ownerHex, "POLY_API_KEY": creds.apiKey,
            "POLY_API_SECRET": creds.secret, "POLY_PASSPHRASE": creds.passphrase,
            "POLYBOT_CLOB_URL": base + "/clob", "POLYBOT_GEOBLOCK_URL": base + "/api/geoblock",
            "POLYBOT_POLYGON_RPC_URL": base + "/rpc",
        ]
        if let funder {
            env["POLY_SIGNATURE_TYPE"] = String(signatureType.rawValue)
            env["POLY_FUNDER"] = funder.checksummed
        }
        let config = try AppConfiguration(source: ConfigurationSource(environment: env, file: nil))
        return try await config.liveTrading(clob: clob, logger: logger)
    }

    func withVenue(_ body: @Sendable (SimExchange, String) async throws -> Void) async throws {
        let exchange = SimExchange(trades: generated(50))
        await exchange.publishNext(50)
        try await withSimulator(exchange) { base, _ in try await body(exchange, base) }
    }

    func refusal(_ work: () async throws -> LiveTrading) async -> String? {
        do {
            _ = try await work()
            return nil
        } catch let error as LiveSetupError {
            return error.description
        } catch {
            return "unexpected: \(error)"
        }
    }

    @Test func aReadyAccountStartsWithEntriesAllowed() async throws {
        try await withVenue { _, base in
            let live = try await liveSetup(base: base)
            #expect(live.entriesRefused == nil && live.signatureType == .eoa)
        }
    }

    @Test func noBalanceOrNoAllowanceRefusesToStart() async throws {
        try await withVenue { exchange, base in
            let owner = try PrivateKey(hex: "0x" + Self.ownerHex).address
            _ = try await liveSetup(base: base)  // the account exists (and is funded) from here
            await exchange.setAllowance(owner, granted: false)
            let noAllowance = await refusal { try await liveSetup(base: base) }
            #expect(noAllowance?.contains("has not approved pUSD") == true, "\(noAllowance ?? "started")")
            #expect(noAllowance?.contains("Exchange V3") == true && noAllowance?.contains("adapter") == false)
            await exchange.setAllowance(owner, granted: true)
            await exchange.credit(owner, Micros.zero - (await exchange.balance(of: owner)))
            let noBalance = await refusal { try await liveSetup(base: base) }
            #expect(noBalance?.contains("holds no pUSD") == true, "\(noBalance ?? "started")")
        }
    }

    @Test func anAccountWithoutOutcomeTokenApprovalRefusesToStartAndNamesIt() async throws {
        try await withVenue { _, base in
            let owner = try PrivateKey(hex: "0x" + Self.ownerHex).address
            _ = try await liveSetup(base: base)
            // The simulator's control route withdraws the ERC-1155 approvals on every exchange (pUSD untouched).
            let transport = HTTPTransport(retry: .none, timeout: .seconds(5), logger: logger)
            defer { Task { try? await transport.shutdown() } }
            _ = try await transport.send(
                .POST, url: base + "/_sim/approvals", headers: [],
                body: #"{"address":"\#(owner.checksummed)","outcomeTokens":false}"#, family: .rpc, idempotent: false)
            let refused = await refusal { try await liveSetup(base: base) }
            #expect(refused?.contains("outcome-token (ERC-1155)") == true, "\(refused ?? "started")")
            #expect(
                refused?.contains("CTF Exchange V2") == true && refused?.contains("Neg Risk CTF Exchange V2") == true
                    && refused?.contains("Exchange V3") == true)
            _ = try await transport.send(
                .POST, url: base + "/_sim/approvals", headers: [],
                body: #"{"address":"\#(owner.checksummed)","outcomeTokens":true}"#, family: .rpc, idempotent: false)
            #expect(await refusal { try await liveSetup(base: base) } == nil)
        }
    }

    @Test func aCounterfactualDepositWalletIsNamed() async throws {
        try await withVenue { exchange, base in
            let owner = try PrivateKey(hex: "0x" + Self.ownerHex).address
            let wallet = EthAddress(bytes: [UInt8](repeating: 0xD3, count: 20))!
            await exchange.registerWallet(wallet, SimWallet(kind: .poly1271, owner: owner, deployed: false))
            let refused = await refusal { try await liveSetup(base: base, signatureType: .poly1271, funder: wallet) }
            #expect(refused?.contains("counterfactual") == true && refused?.contains(wallet.checksummed) == true)
            await exchange.registerWallet(wallet, SimWallet(kind: .poly1271, owner: owner, deployed: true))
            let live = try await liveSetup(base: base, signatureType: .poly1271, funder: wallet)
            #expect(live.funder == wallet && live.entriesRefused == nil)
        }
    }

    @Test(arguments: ["blocked", "close-only"])
    func geoblockAndCloseOnlyRefuseEntriesAndTheRiskManagerStartsReduceOnly(_ rule: String) async throws {
        try await withVenue { exchange, base in
            var faults = SimFaults()
            faults.geoblock = rule
            await exchange.setFaults(faults)
            let live = try await liveSetup(base: base)
            let reason = try #require(live.entriesRefused)
            #expect(
                reason.contains(rule == "blocked" ? "geoblocked" : "close-only")
                    && reason.contains("exits stay allowed"))
            try await withTestDatabase { store, _ in
                let settings = testPipelineSettings(
                    mode: .live, base: base, ws: base.replacingOccurrences(of: "http", with: "ws"))
                try await withPipeline(settings: settings, store: store, base: base, live: live) { pipeline in
                    let reduceOnly = await eventually { await pipeline.risk.snapshot().tradingState == .reduceOnly }
                    #expect(reduceOnly)
                    let audit = try await store.audit.recent(limit: 10)
                    #expect(audit.contains { $0.details.contains("entries refused") })
                }
            }
        }
    }
}
