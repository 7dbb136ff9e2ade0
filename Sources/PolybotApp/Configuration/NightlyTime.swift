import Foundation
import PolybotCore

/// A `HH:MM` time of day in UTC.
public struct NightlyTime: Sendable, Equatable {
    public var hour: Int
    public var minute: Int

    /// Parses `HH:MM`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        hour = h
        minute = m
    }
}
