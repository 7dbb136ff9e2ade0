import PolybotApp
import PolybotCore
import PolybotStore
import PolybotTestSupport
import Testing

@Suite("polybot whales / baskets")
struct AdminCommandTests {
    @Test func manageWhalesAndBasketsWithAnAuditTrail() async throws {
        try await withTestDatabase { store, _ in
            let a = "0x510F4963b66B1B18505faaB74b0bB943D1dDa43C"
            #expect(
                try await AdminCommand.perform(.whaleAdd(a, label: "theo", tags: ["politics"]), store: store)
                    == "tracking 0x510f4963b66b1b18505faab74b0bb943d1dda43c")
            #expect(try await AdminCommand.perform(.whalesList, store: store).contains("tracked  neutral"))
            _ = try await AdminCommand.perform(.whaleList(a, allow: false), store: store)
            #expect(try await store.whales.get(Address(a)!)?.listStatus == .deny)
            _ = try await AdminCommand.perform(
                .basketCreate(
                    name: "politics", category: "politics", windowHours: 48, minMembers: 2,
                    ratio: "0.75", minUpside: "0.04"), store: store)
            let b = try #require(try await store.baskets.get(name: "politics"))
            #expect(b.windowHours == 48 && b.consensusRatioBps == 7_500 && b.minUpside == Micros(40_000))
            _ = try await AdminCommand.perform(.basketAddMember(basket: "politics", wallet: a), store: store)
            #expect(
                try await AdminCommand.perform(.basketShow("politics"), store: store).contains(
                    "0x510f4963b66b1b18505faab74b0bb943d1dda43c"))
            await #expect(throws: AdminCommand.Failure.self) {
                _ = try await AdminCommand.perform(
                    .basketCreate(
                        name: "x", category: "", windowHours: 500, minMembers: 1, ratio: "0.8",
                        minUpside: "0.05"), store: store)
            }
            await #expect(throws: AdminCommand.Failure.self) {
                _ = try await AdminCommand.perform(.whaleAdd("nope", label: "", tags: []), store: store)
            }
            _ = try await AdminCommand.perform(.basketRemoveMember(basket: "politics", wallet: a), store: store)
            _ = try await AdminCommand.perform(.basketDelete("politics"), store: store)
            let actions = try await store.audit.recent(limit: 10).map(\.action)
            #expect(
                actions == [
                    "basket.delete", "basket.member.remove", "basket.member.add", "basket.create", "whale.deny",
                    "whale.add",
                ])
        }
    }
}
