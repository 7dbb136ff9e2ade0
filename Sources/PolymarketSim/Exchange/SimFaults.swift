/// Fault injection, each settable from the command line and at run time (`POST /_sim/faults`).
public struct SimFaults: Sendable, Codable, Equatable {
    /// Close every WebSocket connection every N seconds (0 = never).
    public var dropWebSocketsEverySeconds: Double = 0
    /// Silent stall: sockets stay open but no frame (not even PONG) is sent for this many seconds, starting now.
    public var stallSeconds: Double = 0
    /// Answer 429 with `Retry-After` to this many consecutive requests, then serve normally.
    public var rateLimitBurst: Int = 0
    /// The `Retry-After` seconds sent with those 429s.
    public var retryAfterSeconds: Double = 1
    /// Probability in [0, 1] of answering a REST request with 429 and `Retry-After` (independent of bursts).
    public var rateLimitRate: Double = 0
    /// Probability in [0, 1] of answering a REST request with 503.
    public var errorRate: Double = 0
    /// Latency added to every REST response, milliseconds.
    public var latencyMilliseconds: Int = 0
    /// The next N `POST /order` requests are accepted and executed, then the response is held this long
    /// (the client times out: "timed out but filled").
    public var timeoutButFillNextOrders: Int = 0
    /// How long such a response is held, seconds.
    public var holdResponseSeconds: Double = 30
    /// Every `POST /order` waits this long **before** it is processed, milliseconds (an order still on its way: a
    /// lookup meanwhile does not find it).
    public var orderDelayMilliseconds: Int = 0
    /// What RTDS answers to a text PING: "PONG" or "" (both observed in production).
    public var rtdsPongText: String = "PONG"
    /// A matching-engine restart starting now: every order endpoint answers HTTP 425 for this many seconds (0 = none).
    public var restartSeconds: Double = 0
    /// After a restart, the engine accepts only post-only orders (and cancels) for this many seconds (venue: ~120).
    public var postOnlySeconds: Double = 120
    /// Cancel-only mode starting now for this many seconds (0 = none): every new order answers 503, cancels work.
    public var cancelOnlySeconds: Double = 0
    /// The heartbeat dead-man switch is armed by a key's first resting order, not only by its first heartbeat.
    public var requireHeartbeats = false
    /// Orders are accepted with status `delayed` and rest unmatched (a market's matching delay), until a later trade.
    public var delayMatching = false
    /// Per-signer order and cancel buckets: tokens per second (0 = no per-signer limit).
    public var signerRate: Double = 0
    /// Per-signer bucket capacity (the burst); a request costing more is refused for good.
    public var signerBurst: Int = 60
    /// Order responses carry `tradeIDs` and no `transactionsHashes` (the venue since 2026-07-24 when hashes lag).
    public var noHashes: Bool = false
    /// The Data API has no v2 (`/v2/*` answers 404), as before Polymarket shipped it.
    public var noDataV2: Bool = false
    /// Every N-th `/v2/trades` row of a wallet is followed by a combo (parlay) row (0 = none).
    public var comboEvery: Int = 0
    /// RTDS `activity` is silent (the socket lives, answers pings, sends no trade): the venue since 2026-01-16.
    public var rtdsActivityOff = false
    /// Every `reorgEvery` blocks the last `reorgDepth` are replaced (an orphaned trade in them vanishes; their other
    /// logs are re-sent with `removed: true` and again in the new blocks). 0: never.
    public var reorgDepth: Int = 0
    public var reorgEvery: Int = 0
    /// Close every `/rpc` WebSocket every N seconds (0 = never).
    public var rpcDropSeconds: Double = 0
    /// `eth_getLogs` answers "query returned more than N results" above N logs (0 = no limit).
    public var getLogsLimit: Int = 0
    /// Trades stay off every Data API trades route (v1 and v2) for this many seconds after they are published.
    public var dataAPILagSeconds: Double = 0
    /// The geoblock answer: "" (allowed), "blocked" or "close-only" (the account may only close positions).
    public var geoblock: String = ""

    /// No faults.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case dropWebSocketsEverySeconds, stallSeconds, rateLimitBurst, rateLimitRate, retryAfterSeconds, errorRate,
            latencyMilliseconds
        case timeoutButFillNextOrders, holdResponseSeconds, rtdsPongText, orderDelayMilliseconds
        case restartSeconds, postOnlySeconds, cancelOnlySeconds, requireHeartbeats, delayMatching, signerRate,
            signerBurst, noHashes, geoblock, noDataV2,
            comboEvery, rtdsActivityOff, reorgDepth, reorgEvery, rpcDropSeconds, getLogsLimit, dataAPILagSeconds
    }

    /// Decodes a partial object: absent keys keep their defaults.
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dropWebSocketsEverySeconds = try c.decodeIfPresent(Double.self, forKey: .dropWebSocketsEverySeconds) ?? 0
        stallSeconds = try c.decodeIfPresent(Double.self, forKey: .stallSeconds) ?? 0
        rateLimitBurst = try c.decodeIfPresent(Int.self, forKey: .rateLimitBurst) ?? 0
        rateLimitRate = try c.decodeIfPresent(Double.self, forKey: .rateLimitRate) ?? 0
        retryAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .retryAfterSeconds) ?? 1
        errorRate = try c.decodeIfPresent(Double.self, forKey: .errorRate) ?? 0
        latencyMilliseconds = try c.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? 0
        timeoutButFillNextOrders = try c.decodeIfPresent(Int.self, forKey: .timeoutButFillNextOrders) ?? 0
        holdResponseSeconds = try c.decodeIfPresent(Double.self, forKey: .holdResponseSeconds) ?? 30
        orderDelayMilliseconds = try c.decodeIfPresent(Int.self, forKey: .orderDelayMilliseconds) ?? 0
        rtdsPongText = try c.decodeIfPresent(String.self, forKey: .rtdsPongText) ?? "PONG"
        restartSeconds = try c.decodeIfPresent(Double.self, forKey: .restartSeconds) ?? 0
        postOnlySeconds = try c.decodeIfPresent(Double.self, forKey: .postOnlySeconds) ?? 120
        cancelOnlySeconds = try c.decodeIfPresent(Double.self, forKey: .cancelOnlySeconds) ?? 0
        requireHeartbeats = try c.decodeIfPresent(Bool.self, forKey: .requireHeartbeats) ?? false
        delayMatching = try c.decodeIfPresent(Bool.self, forKey: .delayMatching) ?? false
        signerRate = try c.decodeIfPresent(Double.self, forKey: .signerRate) ?? 0
        signerBurst = try c.decodeIfPresent(Int.self, forKey: .signerBurst) ?? 60
        noHashes = try c.decodeIfPresent(Bool.self, forKey: .noHashes) ?? false
        geoblock = try c.decodeIfPresent(String.self, forKey: .geoblock) ?? ""
        noDataV2 = try c.decodeIfPresent(Bool.self, forKey: .noDataV2) ?? false
        comboEvery = try c.decodeIfPresent(Int.self, forKey: .comboEvery) ?? 0
        rtdsActivityOff = try c.decodeIfPresent(Bool.self, forKey: .rtdsActivityOff) ?? false
        reorgDepth = try c.decodeIfPresent(Int.self, forKey: .reorgDepth) ?? 0
        reorgEvery = try c.decodeIfPresent(Int.self, forKey: .reorgEvery) ?? 0
        rpcDropSeconds = try c.decodeIfPresent(Double.self, forKey: .rpcDropSeconds) ?? 0
        getLogsLimit = try c.decodeIfPresent(Int.self, forKey: .getLogsLimit) ?? 0
        dataAPILagSeconds = try c.decodeIfPresent(Double.self, forKey: .dataAPILagSeconds) ?? 0
    }

    /// Parses `name=value` specs from `--fault` flags, e.g. `drop=30`, `stall=20`, `429=5`, `5xx=0.2`,
    /// `latency=50`, `timeout-fill=1`, `pong=`.
    ///
    /// - Throws: a message naming the bad spec.
    public mutating func apply(spec: String) throws(SimFaultError) {
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw SimFaultError(spec: spec) }
        let (name, value) = (parts[0], parts[1])
        switch name {
        case "drop": dropWebSocketsEverySeconds = try double(value, spec)
        case "stall": stallSeconds = try double(value, spec)
        case "429": rateLimitBurst = try int(value, spec)
        case "429rate": rateLimitRate = try double(value, spec)
        case "retry-after": retryAfterSeconds = try double(value, spec)
        case "5xx":
            errorRate = try double(value, spec)
            guard (0...1).contains(errorRate) else { throw SimFaultError(spec: spec) }
        case "latency": latencyMilliseconds = try int(value, spec)
        case "timeout-fill": timeoutButFillNextOrders = try int(value, spec)
        case "hold": holdResponseSeconds = try double(value, spec)
        case "order-delay": orderDelayMilliseconds = try int(value, spec)
        case "pong": rtdsPongText = value
        case "restart": restartSeconds = try double(value, spec)
        case "post-only": postOnlySeconds = try double(value, spec)
        case "cancel-only": cancelOnlySeconds = try double(value, spec)
        case "require-heartbeats": requireHeartbeats = value == "1" || value == "true"
        case "delay-matching": delayMatching = value == "1" || value == "true"
        case "signer-rate": signerRate = try double(value, spec)
        case "signer-burst": signerBurst = try int(value, spec)
        case "no-hashes": noHashes = value == "1" || value == "true"
        case "no-data-v2": noDataV2 = value == "1" || value == "true"
        case "combo-every": comboEvery = try int(value, spec)
        case "rtds-activity":
            guard ["on", "off"].contains(value) else { throw SimFaultError(spec: spec) }
            rtdsActivityOff = value == "off"
        case "reorg":
            let p = value.split(separator: ":").compactMap { Int($0) }
            guard p.count == 2, p[0] > 0, p[1] > p[0] else { throw SimFaultError(spec: spec) }
            (reorgDepth, reorgEvery) = (p[0], p[1])
        case "rpc-drop": rpcDropSeconds = try double(value, spec)
        case "rpc-getlogs-limit": getLogsLimit = try int(value, spec)
        case "data-api-lag": dataAPILagSeconds = try double(value, spec)
        case "geoblock":
            guard ["", "blocked", "close-only"].contains(value) else { throw SimFaultError(spec: spec) }
            geoblock = value
        default: throw SimFaultError(spec: spec)
        }
    }

    private func double(_ v: String, _ spec: String) throws(SimFaultError) -> Double {
        guard let d = Double(v), d >= 0 else { throw SimFaultError(spec: spec) }
        return d
    }

    private func int(_ v: String, _ spec: String) throws(SimFaultError) -> Int {
        guard let i = Int(v), i >= 0 else { throw SimFaultError(spec: spec) }
        return i
    }
}

/// A `--fault` spec that could not be read.
public struct SimFaultError: Error, CustomStringConvertible {
    public var spec: String
    public var description: String {
        "bad --fault \(spec): use drop=SECONDS, stall=SECONDS, 429=COUNT, 429rate=RATE(0-1), retry-after=SECONDS, 5xx=RATE(0-1), latency=MS, timeout-fill=COUNT, hold=SECONDS, pong=TEXT, restart=SECONDS, post-only=SECONDS, cancel-only=SECONDS, require-heartbeats=1, delay-matching=1, signer-rate=PER_SECOND, signer-burst=COUNT, no-hashes=1, no-data-v2=1, combo-every=N, rtds-activity=on|off, reorg=DEPTH:EVERY, rpc-drop=SECONDS, rpc-getlogs-limit=N, data-api-lag=SECONDS or geoblock=blocked|close-only"
    }
}
