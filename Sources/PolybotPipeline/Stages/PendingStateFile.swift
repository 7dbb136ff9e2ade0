import Foundation
import PolybotCore

/// A trading-state change that is in force but not yet in the database, kept in a local file so that a restart
/// before the database returns does not lose a halt (the database would otherwise say what it said before the halt).
/// Written atomically; removed once the database has the change.
package struct PendingStateFile: Sendable {
    /// The file's path.
    package let path: String

    /// Creates the handle (nothing is read or written yet).
    package init(path: String) { self.path = path }

    struct Content: Codable, Equatable {
        var state: String
        var reason: String
        var actor: String
    }

    /// Writes `change`; throws when the file cannot be written.
    func write(_ change: PendingState) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(
            Content(state: change.state.rawValue, reason: change.reason, actor: change.actor))
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The change on file; nil when there is none. Throws when a file exists but cannot be read or understood
    /// (the caller then stays on the cautious side).
    func read() throws -> PendingState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let content = try JSONDecoder().decode(Content.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        guard let state = TradingState(rawValue: content.state), state != .reconciling else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return PendingState(state: state, reason: content.reason, actor: content.actor)
    }

    /// Removes the file (the database has the change).
    func remove() throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }
}

extension TradingState {
    /// How much this state restricts trading (halted > reduce-only > active); `reconciling` is not an operator state.
    var caution: Int {
        switch self {
        case .active: 0
        case .reduceOnly: 1
        case .reconciling, .halted: 2
        }
    }
}
