import PolybotCore
import PolybotTestSupport
import Polymarket
import Testing

@Suite("Chain cursor")
struct ChainCursorTests {
    func trade(_ n: Int) -> Trade { Fixtures.trade(tx: n, wallet: Fixtures.address(n), source: .chain) }

    @Test func rangesWaitForConfirmationsAndStayWithinTheWindow() {
        var c = ChainCursor(processed: 100, confirmations: 3, window: 50)
        #expect(c.nextRange(head: 103) == nil, "block 101 has only 2 confirmations at head 103")
        #expect(c.nextRange(head: 104) == 101...101)
        #expect(c.nextRange(head: 1_000) == 101...150)
        c.commit(101...150, hashes: [150: "0xa"], trades: [120: [trade(1)]])
        #expect(c.processed == 150 && c.trades[120] == [trade(1)])
        #expect(c.nextRange(head: 1_000) == 151...200)
    }

    @Test func aRefusedRangeHalvesTheWindowDownToOneBlockAndSuccessGrowsItBack() {
        var c = ChainCursor(processed: 0, confirmations: 0, window: 8)
        var shrunk = c.refused()
        #expect(shrunk && c.window == 4)
        shrunk = c.refused() && c.refused()
        #expect(shrunk && c.window == 1)
        shrunk = c.refused()
        #expect(!shrunk, "a single block cannot be split")
        c.commit(1...1, hashes: [:], trades: [:])
        #expect(c.window == 2)
        c.commit(2...3, hashes: [:], trades: [:])
        c.commit(4...7, hashes: [:], trades: [:])
        c.commit(8...15, hashes: [:], trades: [:])
        #expect(c.window == 8, "never above the configured window")
    }

    @Test func aReorgRetractsOnlyTradesTheNewBlocksDoNotHold() {
        var c = ChainCursor(processed: 10, confirmations: 0, window: 500)
        c.commit(
            11...13, hashes: [11: "0x11", 12: "0x12", 13: "0x13"], trades: [11: [trade(1)], 12: [trade(2), trade(3)]])
        // Blocks 12–13 replaced: trade 2 re-included in block 13, trade 3 orphaned, trade 4 new.
        let (retracted, added) = c.replace(
            from: 12, hashes: [12: "0x12b", 13: "0x13b"], trades: [13: [trade(2), trade(4)]])
        #expect(retracted == [trade(3)])
        #expect(added == [trade(4)])
        #expect(c.hashes[12] == "0x12b" && c.trades[12] == nil && c.trades[13] == [trade(2), trade(4)])
        #expect(c.trades[11] == [trade(1)], "blocks before the fork are untouched")
        #expect(c.knownBlocksNewestFirst == [13, 12, 11])
    }

    @Test func onlyTheLastBlocksAreRemembered() {
        var c = ChainCursor(processed: 0, confirmations: 0, window: 10, memory: 5)
        c.commit(1...10, hashes: [2: "0x2", 7: "0x7", 10: "0xa"], trades: [2: [trade(1)], 7: [trade(2)]])
        #expect(c.knownBlocksNewestFirst == [10, 7])
        #expect(c.trades[2] == nil && c.trades[7] == [trade(2)])
        #expect(c.oldestRemembered == 7)
    }
}
