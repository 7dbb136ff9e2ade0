import Foundation
import PolybotCore
import PolymarketSim

/// Writes trades as a Data API CSV in 1 MiB pieces; `produce` hands each trade to the writer it is given.
func writeTradesCSV(to path: String, _ produce: ((Trade) -> Void) -> Void) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path)
    else { throw BenchError.cannotWrite(path) }
    var buffer = TradeFileWriter.csvHeader + "\n"
    produce { t in
        buffer += TradeFileWriter.csvRow(t) + "\n"
        if buffer.utf8.count > 1 << 20 {
            out.write(Data(buffer.utf8))
            buffer = ""
        }
    }
    out.write(Data(buffer.utf8))
    try out.close()
}
