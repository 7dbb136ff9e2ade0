import PolybotPipeline
import Testing

/// The market-channel connections of the resolution watch: tokens stay where they are, new ones fill the first
/// connection with room, and what does not fit is left out (counted) rather than forcing a reconnect.
@Suite("Resolution watch plan")
struct ResolutionWatchPlanTests {
    @Test func newTokensFillTheFirstConnectionWithRoomAndOldOnesStay() {
        var plan = ResolutionWatchPlan(sockets: 2, perSocket: 2)
        #expect(plan.used == 0)
        #expect(
            plan.update(to: ["a", "b", "c"]) == [
                .init(socket: 0, subscribe: ["a", "b"], unsubscribe: []),
                .init(socket: 1, subscribe: ["c"], unsubscribe: []),
            ])
        #expect(plan.used == 2)
        // "a" resolved: it leaves connection 0, whose free place takes the next new token; "c" does not move.
        #expect(plan.update(to: ["b", "c", "d", "d"]) == [.init(socket: 0, subscribe: ["d"], unsubscribe: ["a"])])
        #expect(plan.assigned == [["b", "d"], ["c"]])
        // Nothing changed: no message at all.
        #expect(plan.update(to: ["c", "d", "b"]).isEmpty)
    }

    @Test func tokensBeyondTheRoomAreLeftOutInPriorityOrder() {
        var plan = ResolutionWatchPlan(sockets: 1, perSocket: 2)
        #expect(ResolutionWatchPlan.capped(["p", "q", "p", "r"], room: 2) == (["p", "q"], 1))
        #expect(plan.update(to: ["p", "q", "r"]) == [.init(socket: 0, subscribe: ["p", "q"], unsubscribe: [])])
        // A higher-priority token (an open position) displaces the last one.
        #expect(plan.update(to: ["s", "p", "q"]) == [.init(socket: 0, subscribe: ["s"], unsubscribe: ["q"])])
        #expect(plan.update(to: []) == [.init(socket: 0, subscribe: [], unsubscribe: ["p", "s"])])
        #expect(plan.used == 0)
    }
}
