import PolybotAPI
import Testing

/// The password-guessing limits with an injected clock (issue 13, item 11: 200 parallel wrong passwords used to be
/// answered at full speed).
@Suite("Login throttle")
struct LoginThrottleTests {
    @Test func perClientBurstRefillAndLockout() {
        var t = LoginThrottle()
        var now: Int64 = 1_000
        for _ in 0..<5 {
            #expect(t.begin(client: "a", now: now) == .allowed)
            t.finished(client: "a", success: false, now: now)
        }
        #expect(t.begin(client: "a", now: now) == .limited(retryAfter: 12, scope: "client"))
        // Another client is not affected.
        #expect(t.begin(client: "b", now: now) == .allowed)
        t.finished(client: "b", success: true, now: now)
        // One attempt per 12 s refills; ten failures in a row lock the client out for 15 minutes.
        for _ in 0..<5 {
            now += 12
            #expect(t.begin(client: "a", now: now) == .allowed)
            t.finished(client: "a", success: false, now: now)
        }
        // `now` is the time of the tenth failure.
        #expect(t.begin(client: "a", now: now) == .limited(retryAfter: 900, scope: "lockout"))
        #expect(t.begin(client: "a", now: now + 899) == .limited(retryAfter: 1, scope: "lockout"))
        #expect(t.begin(client: "a", now: now + 900) == .allowed)
    }

    @Test func oneCheckAtATimeAndAGlobalBudget() {
        var t = LoginThrottle()
        #expect(t.begin(client: "a", now: 0) == .allowed)
        #expect(t.begin(client: "b", now: 0) == .limited(retryAfter: 1, scope: "busy"))
        t.finished(client: "a", success: false, now: 0)
        // Many clients, one attempt each: the global bucket (20, one per second) runs dry.
        var allowed = 0
        for i in 0..<50 {
            if t.begin(client: "c\(i)", now: 1) == .allowed {
                allowed += 1
                t.finished(client: "c\(i)", success: false, now: 1)
            }
        }
        #expect(allowed == 20)
        #expect(t.begin(client: "late", now: 1) == .limited(retryAfter: 1, scope: "global"))
    }

    @Test func passwordHashesAreScryptAndRoundTrip() throws {
        let h = try PasswordHash(password: "correct horse battery", rounds: 1 << 14)
        #expect(h.matches("correct horse battery") && !h.matches("Correct horse battery"))
        #expect(!h.matches(String(repeating: "x", count: PasswordHash.maximumLength + 1)))
        let parsed = try #require(PasswordHash(encoded: h.encoded))
        #expect(parsed == h && h.encoded.hasPrefix("scrypt$16384$8$1$"))
        #expect(
            PasswordHash(encoded: "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + String(repeating: "A", count: 43) + "=")
                == nil)  // too weak
        #expect(PasswordHash.defaultRounds >= 1 << 17)
    }
}
