import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Polymarket

/// Where alerts go.
package protocol AlertSink: Sendable {
    var name: String { get }
    func send(_ alert: Alert) async throws
}

/// POSTs the alert as JSON; `X-Polybot-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` and
/// `X-Polybot-Timestamp` let the receiver check it came from us and is fresh.
package struct WebhookSink: AlertSink {
    package let name = "webhook"
    let url: String
    let secret: String
    let transport: HTTPTransport

    /// Creates the sink.
    package init(url: String, secret: String, transport: HTTPTransport) {
        self.url = url
        self.secret = secret
        self.transport = transport
    }

    package func send(_ alert: Alert) async throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let body = String(decoding: try e.encode(alert), as: UTF8.self)
        let ts = String(alert.at)
        _ = try await transport.send(
            .POST, url: url,
            headers: [
                ("Content-Type", "application/json"), ("X-Polybot-Timestamp", ts),
                ("X-Polybot-Signature", "sha256=" + Self.signature(secret: secret, timestamp: ts, body: body)),
            ],
            body: body, family: .dataGeneral, idempotent: false)
    }

    /// Hex HMAC-SHA256 of `timestamp.body`.
    package static func signature(secret: String, timestamp: String, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data((timestamp + "." + body).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}

/// Telegram Bot API `sendMessage`.
package struct TelegramSink: AlertSink {
    package let name = "telegram"
    let apiURL: String
    let token: String
    let chatId: String
    let transport: HTTPTransport

    /// Creates the sink.
    package init(apiURL: String, token: String, chatId: String, transport: HTTPTransport) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.token = token
        self.chatId = chatId
        self.transport = transport
    }

    package func send(_ alert: Alert) async throws {
        let payload = try JSONSerialization.data(withJSONObject: [
            "chat_id": chatId, "text": "Polybot — \(alert.title)\n\(alert.text)",
            "disable_web_page_preview": true,
        ])
        _ = try await transport.send(
            .POST, url: "\(apiURL)/bot\(token)/sendMessage", headers: [("Content-Type", "application/json")],
            body: String(decoding: payload, as: UTF8.self), family: .dataGeneral, idempotent: false)
    }
}

/// Plain SMTP (RFC 5321: EHLO, MAIL FROM, RCPT TO, DATA, QUIT) to a relay — typically the host's own MTA on
/// localhost, which handles TLS and authentication onwards.
package struct SMTPSink: AlertSink {
    package let name = "email"
    let host: String
    let port: Int
    let from: String
    let to: [String]

    /// Creates the sink.
    package init(host: String, port: Int, from: String, to: [String]) {
        self.host = host
        self.port = port
        self.from = from
        self.to = to
    }

    package func send(_ alert: Alert) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { ch in
                ch.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = LineReader(inbound.makeAsyncIterator())
            func expect(_ code: String) async throws {
                while true {
                    guard let line = try await lines.next() else { throw SMTPError.closed }
                    guard line.hasPrefix(code) else { throw SMTPError.unexpected(line) }
                    if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { return }
                }
            }
            func say(_ s: String) async throws { try await outbound.write(ByteBuffer(string: s + "\r\n")) }
            try await expect("220")
            try await say("EHLO polybot")
            try await expect("250")
            try await say("MAIL FROM:<\(from)>")
            try await expect("250")
            for r in to {
                try await say("RCPT TO:<\(r)>")
                try await expect("250")
            }
            try await say("DATA")
            try await expect("354")
            let date = DateFormatter.rfc5322.string(from: Date(timeIntervalSince1970: TimeInterval(alert.at)))
            // Dot-stuffing (a line starting with "." gets another one), CRLF line ends.
            let body = alert.text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasPrefix(".") ? "." + $0 : String($0)
            }
            let message =
                [
                    "From: \(from)", "To: \(to.joined(separator: ", "))", "Subject: [Polybot] \(alert.title)",
                    "Date: \(date)",
                    "Content-Type: text/plain; charset=utf-8", "",
                ] + body + ["."]
            try await say(message.joined(separator: "\r\n"))
            try await expect("250")
            try await say("QUIT")
            try await expect("221")
        }
    }

    enum SMTPError: Error {
        case closed
        case unexpected(String)
    }

    struct LineReader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var pending = ""
        init(_ it: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { iterator = it }
        mutating func next() async throws -> String? {
            while true {
                if let r = pending.range(of: "\r\n") {
                    let line = String(pending[..<r.lowerBound])
                    pending = String(pending[r.upperBound...])
                    return line
                }
                guard var chunk = try await iterator.next() else { return nil }
                pending += chunk.readString(length: chunk.readableBytes) ?? ""
            }
        }
    }
}

extension DateFormatter {
    static let rfc5322: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f
    }()
}
