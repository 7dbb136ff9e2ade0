import PolybotCore
import Testing

@Suite("Nightly schedule")
struct NightlyScheduleTests {
    static let cases: [(Int64, Int, Int, Int64)] = [
        // (now, hour, minute, expected) — 1_763_683_200 is 2025-11-21 00:00:00 UTC.
        (Int64(1_763_683_200), 3, 0, Int64(1_763_694_000)),  // same day 03:00
        (1_763_694_000, 3, 0, 1_763_780_400),  // exactly at 03:00 → tomorrow
        (1_763_694_001, 3, 0, 1_763_780_400),
        (1_763_769_599, 23, 59, 1_763_769_540 + 86_400),  // 23:59:59 → next day's 23:59
        (1_763_683_199, 0, 0, 1_763_683_200),  // one second before midnight
    ]

    @Test(arguments: cases)
    func nextRunIsStrictlyAfterNow(now: Int64, hour: Int, minute: Int, expected: Int64) {
        #expect(NightlySchedule.next(after: now, hour: hour, minute: minute) == expected)
    }
}
