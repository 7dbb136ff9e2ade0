import Foundation

/// One of a signer's two trading buckets (Polymarket's per-signer limits, since 2026-07-24): order placement
/// (`POST /order` 1, `POST /orders` one per order) and cancellation (`DELETE /order` 1, `DELETE /orders` one per id,
/// `DELETE /cancel-all` 1 + one per order it cancelled).
public enum SignerBucket: String, Sendable, CaseIterable {
    case orders
    case cancels
}

/// A token bucket on injected time (seconds on any monotonic scale): `rate` tokens a second up to `burst`.
public struct SignerTokenBucket: Sendable, Equatable {
    public let rate: Double
    public let burst: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: Double

    /// A full bucket at `now`.
    public init(rate: Double, burst: Int, now: Double) {
        self.rate = rate
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.updatedAt = now
    }

    /// Refills for the time since the last update.
    public mutating func refill(now: Double) {
        guard now > updatedAt else { return }
        tokens = min(burst, tokens + (now - updatedAt) * rate)
        updatedAt = now
    }

    /// Takes `cost` tokens when there are enough: nil; otherwise the seconds to wait (nothing taken). A cost above the
    /// burst can never be admitted (callers split such a request).
    public mutating func take(_ cost: Int, now: Double) -> Double? {
        refill(now: now)
        if Double(cost) <= tokens {
            tokens -= Double(cost)
            return nil
        }
        return (Double(cost) - tokens) / rate
    }

    /// Charges tokens after the fact (cancel-all's per-order cost), flooring at zero.
    public mutating func drain(_ cost: Int, now: Double) {
        refill(now: now)
        tokens = max(0, tokens - Double(cost))
    }

    /// Aligns with the venue's `Poly-RateLimit-Remaining` when the venue counts fewer tokens than we do.
    public mutating func observe(remaining: Int, now: Double) {
        refill(now: now)
        tokens = min(tokens, Double(max(0, remaining)))
    }
}

/// Why a trading request was not sent.
public enum SignerLimitError: Error, Equatable, CustomStringConvertible {
    /// The request costs more than the bucket can ever hold: it would be refused for good, so it is never sent.
    case exceedsBurst(bucket: SignerBucket, cost: Int, burst: Int)
    case cancelled

    public var description: String {
        switch self {
        case .exceedsBurst(let b, let cost, let burst):
            "a request costing \(cost) \(b.rawValue) tokens exceeds the signer's burst of \(burst); split it"
        case .cancelled: "cancelled while waiting for a signer token"
        }
    }
}

/// Client-side per-signer buckets: a request waits for its tokens instead of being answered 429, a request larger than
/// the burst is refused before it is sent, and the venue's `Poly-RateLimit-Remaining` is followed. Defaults are the
/// standard tier's 40 a second with a burst of 60, for each bucket.
public actor SignerRateLimiter {
    private var buckets: [SignerBucket: SignerTokenBucket]
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// Creates the buckets, full.
    public init(orderRate: Double = 40, orderBurst: Int = 60, cancelRate: Double = 40, cancelBurst: Int = 60) {
        buckets = [
            .orders: SignerTokenBucket(rate: orderRate, burst: orderBurst, now: 0),
            .cancels: SignerTokenBucket(rate: cancelRate, burst: cancelBurst, now: 0),
        ]
        origin = clock.now
    }

    private var seconds: Double {
        let d = clock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The largest request a bucket admits.
    public func burst(_ bucket: SignerBucket) -> Int { Int(buckets[bucket]!.burst) }

    /// Tokens left now (exported as a metric by the daemon).
    public func remaining(_ bucket: SignerBucket) -> Int {
        buckets[bucket]!.refill(now: seconds)
        return Int(buckets[bucket]!.tokens)
    }

    /// Waits until `cost` tokens are free and takes them.
    ///
    /// - Throws: ``SignerLimitError/exceedsBurst(bucket:cost:burst:)`` (nothing sent), or `.cancelled`.
    public func acquire(_ bucket: SignerBucket, cost: Int = 1) async throws(SignerLimitError) {
        let burst = Int(buckets[bucket]!.burst)
        guard cost <= burst else { throw .exceedsBurst(bucket: bucket, cost: cost, burst: burst) }
        while let wait = buckets[bucket]!.take(cost, now: seconds) {
            do { try await Task.sleep(for: .milliseconds(Int64((wait * 1000).rounded(.up)) + 1)) } catch {
                throw .cancelled
            }
        }
    }

    /// Charges tokens after the fact.
    public func drain(_ bucket: SignerBucket, cost: Int) { buckets[bucket]!.drain(cost, now: seconds) }

    /// Follows the venue's count from a response's `Poly-RateLimit-Remaining`.
    public func observe(_ bucket: SignerBucket, headers: [(String, String)]) {
        guard let text = headers.first(where: { $0.0.lowercased() == "poly-ratelimit-remaining" })?.1,
            let remaining = Int(text)
        else { return }
        buckets[bucket]!.observe(remaining: remaining, now: seconds)
    }
}
