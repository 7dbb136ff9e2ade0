import Foundation
import PolybotCore
import PolymarketSim

/// A generated world written as the files `polybot backtest` and `polybot replay` read: a Data API trades CSV and a
/// resolutions CSV, in a temporary folder removed after `body`.
package func withWorldFiles<T>(
    trades: [Trade], resolutionRows: [String], _ body: (_ trades: String, _ markets: String) async throws -> T
) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-world-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let tradesPath = dir.appendingPathComponent("trades.csv").path
    let marketsPath = dir.appendingPathComponent("resolutions.csv").path
    try ([TradeFileWriter.csvHeader] + trades.map(TradeFileWriter.csvRow)).joined(separator: "\n").write(
        toFile: tradesPath, atomically: true, encoding: .utf8)
    try resolutionRows.joined(separator: "\n").write(toFile: marketsPath, atomically: true, encoding: .utf8)
    return try await body(tradesPath, marketsPath)
}
