import PolybotPipeline
import Testing

/// The venue wait as a state machine, without I/O: the shared window (425 / post-only / 429) and one order's wait
/// (send, back off, wait until, or end unsent at its deadline), on injected seconds.
@Suite("Venue wait (pure)")
struct VenueWaitTests {
    @Test func anOpenVenueSendsAtOnce() {
        var wait = VenueWait(deadline: 1_000)
        #expect(wait.next(.open, now: 999) == .send)
    }

    @Test func aRestartSendsOnceThenBacksOffDoublingToEightSeconds() {
        var window = VenueWindow(postOnlySeconds: 120)
        window.sawRestart(now: 100)
        var wait = VenueWait(deadline: 1_000)
        // Not tried yet: a 425 proves the order was not taken, so the first try goes at once.
        #expect(wait.next(window.gate(now: 100), now: 100) == .send)
        wait.posting()
        var waits: [Double] = []
        for _ in 0..<6 {
            guard case .wait(let seconds, let why) = wait.next(window.gate(now: 101), now: 101) else {
                Issue.record("expected a wait")
                return
            }
            #expect(why.contains("HTTP 425"))
            waits.append(seconds)
        }
        #expect(waits == [1, 2, 4, 8, 8, 8])
    }

    @Test func postOnlyAndRetryAfterWaitUntilTheirEnd() {
        var window = VenueWindow(postOnlySeconds: 120)
        window.sawRestart(now: 100)
        window.sawPostOnly(now: 190, retryAfter: 30)
        var wait = VenueWait(deadline: 1_000)
        #expect(window.gate(now: 200) == .postOnly(until: 220))
        guard case .wait(let seconds, _) = wait.next(window.gate(now: 200), now: 200) else {
            Issue.record("expected a wait")
            return
        }
        #expect(seconds == 20)
        // Past the window, the engine took a taker order: open again.
        window.sawTakerAccepted()
        #expect(wait.next(window.gate(now: 221), now: 221) == .send)
        // A 429 with Retry-After holds every order of the signer until then.
        window.sawRateLimit(now: 300, retryAfter: 5)
        #expect(window.gate(now: 302) == .rateLimited(until: 305))
        guard case .wait(let held, let why) = wait.next(window.gate(now: 302), now: 302) else {
            Issue.record("expected a wait")
            return
        }
        #expect(held == 3 && why.contains("HTTP 429"))
        #expect(window.gate(now: 305) == .open)
    }

    @Test func aWaitThatWouldOutlastTheOrderEndsItUnsentWithTheReason() {
        var window = VenueWindow(postOnlySeconds: 120)
        window.sawPostOnly(now: 100)
        var wait = VenueWait(deadline: 150)
        guard case .expire(let reason) = wait.next(window.gate(now: 100), now: 100) else {
            Issue.record("expected the order to end")
            return
        }
        #expect(reason.hasPrefix("not sent: ") && reason.contains("post-only"))
        // A restart past the deadline: even the first try is not made.
        var restart = VenueWindow(postOnlySeconds: 120)
        restart.sawRestart(now: 100)
        var late = VenueWait(deadline: 150)
        if case .send = late.next(restart.gate(now: 151), now: 151) { Issue.record("sent after its deadline") }
    }
}
