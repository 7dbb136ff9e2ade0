import Foundation
import NIOCore
import NIOPosix

/// An HTTP/1.1 request written byte for byte to 127.0.0.1 (like `curl --path-as-is`): no client library normalises the
/// target, so `//api/v1/x`, `/./x` or `%00` reach the server exactly as an attacker would send them.
package enum RawHTTP {
    /// A parsed response.
    package struct Response: Sendable {
        package var status: Int
        /// Header names lower-cased.
        package var headers: [String: String]
        package var body: String
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// Sends `method target` with optional headers and body (`Connection: close` is added) and reads the response.
    package static func send(
        port: Int, method: String, target: String, headers: [(String, String)] = [], body: String? = nil,
        timeout: Duration = .seconds(15)
    ) async throws -> Response {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return try await raw(port: port, bytes: Array(text.utf8), timeout: timeout)
    }

    /// Writes `bytes` and reads one response: up to the end of its body (Content-Length or chunked), its head when it
    /// is a `101 Switching Protocols`, or until the server closes.
    package static func raw(port: Int, bytes: [UInt8], timeout: Duration = .seconds(15)) async throws -> Response {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let parsed: Response? = try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(bytes: bytes))
                    var all = ByteBuffer()
                    for try await var chunk in inbound {
                        all.writeBuffer(&chunk)
                        if let r = try parse(all, complete: false) { return r }
                    }
                    return try parse(all, complete: true)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let parsed else { throw Failure(description: "no complete response within \(timeout)") }
        return parsed
    }

    /// A response when `buffer` holds a whole one (or anything at all once the server has closed).
    private static func parse(_ buffer: ByteBuffer, complete: Bool) throws -> Response? {
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else {
            if complete { throw Failure(description: "no response head: \(text.prefix(200))") }
            return nil
        }
        let lines = text[..<headEnd.lowerBound].split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let body = String(text[headEnd.upperBound...])
        let response = Response(status: status, headers: headers, body: body)
        if complete || status == 101 { return response }
        if let length = headers["content-length"].flatMap(Int.init) {
            return body.utf8.count >= length ? response : nil
        }
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            return body.hasSuffix("0\r\n\r\n") ? response : nil
        }
        return nil
    }
}
