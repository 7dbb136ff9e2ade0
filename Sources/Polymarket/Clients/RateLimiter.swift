/// Endpoint families with their documented limits (feeds notes §3.10, §4.5, §5.7), each a token bucket.
public enum EndpointFamily: String, Sendable, CaseIterable {
    case dataTrades, dataPositions, dataClosedPositions, dataGeneral
    case gammaMarkets, gammaEvents, gammaGeneral
    case clobBook, clobBooks, clobPrice, clobTickSize, clobData, clobPostOrder, clobCancel, clobAuth, clobGeneral
    case rpc

    /// Requests allowed per 10 seconds (documented limit). The client runs a little under it.
    public var perTenSeconds: Double {
        switch self {
        case .dataTrades: 200
        case .dataPositions, .dataClosedPositions: 150
        case .dataGeneral: 1000
        case .gammaMarkets: 300
        case .gammaEvents: 500
        case .gammaGeneral: 4000
        case .clobBook: 1500
        case .clobBooks: 500
        case .clobPrice: 1500
        case .clobTickSize: 200
        case .clobData: 500
        case .clobPostOrder: 3500
        case .clobCancel: 3000
        case .clobAuth: 100
        case .clobGeneral: 9000
        case .rpc: 250
        }
    }
}

/// Token buckets per endpoint family. `acquire` suspends until a token is free, so bursts are smoothed instead
/// of being answered with 429s; `penalize` empties a bucket when the server says Retry-After.
public actor RateLimiter {
    private struct Bucket {
        var tokens: Double
        var capacity: Double
        var ratePerSecond: Double
        var last: ContinuousClock.Instant
        var blockedUntil: ContinuousClock.Instant?
    }

    private var buckets: [EndpointFamily: Bucket] = [:]
    private let clock = ContinuousClock()
    /// Fraction of the documented limit used (0.9 keeps a margin for other clients of the same key).
    private let headroom: Double

    /// Creates a limiter.
    public init(headroom: Double = 0.9) { self.headroom = headroom }

    /// Waits for one token of `family`.
    public func acquire(_ family: EndpointFamily) async throws {
        while true {
            let now = clock.now
            var b =
                buckets[family]
                ?? Bucket(
                    tokens: family.perTenSeconds * headroom, capacity: family.perTenSeconds * headroom,
                    ratePerSecond: family.perTenSeconds * headroom / 10, last: now)
            if let until = b.blockedUntil, until > now {
                buckets[family] = b
                try await clock.sleep(until: until)
                continue
            }
            b.blockedUntil = nil
            b.tokens = min(b.capacity, b.tokens + b.last.duration(to: now).seconds * b.ratePerSecond)
            b.last = now
            if b.tokens >= 1 {
                b.tokens -= 1
                buckets[family] = b
                return
            }
            buckets[family] = b
            let wait = (1 - b.tokens) / b.ratePerSecond
            try await clock.sleep(for: .milliseconds(Int64(wait * 1000) + 1))
        }
    }

    /// Blocks a family until `duration` from now (after a 429 with Retry-After).
    public func penalize(_ family: EndpointFamily, for duration: Duration) {
        let now = clock.now
        var b =
            buckets[family]
            ?? Bucket(
                tokens: 0, capacity: family.perTenSeconds * headroom,
                ratePerSecond: family.perTenSeconds * headroom / 10, last: now)
        b.tokens = 0
        b.blockedUntil = now.advanced(by: duration)
        buckets[family] = b
    }
}

extension Duration {
    /// Seconds as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
