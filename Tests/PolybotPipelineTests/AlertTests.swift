import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import PolybotCore
import PolybotPipeline
import PolybotTestSupport
import Polymarket
import Synchronization
import Testing

/// Alerts delivered to local receivers on 127.0.0.1: an HMAC-checked webhook, a Telegram Bot API stand-in and an
/// SMTP server.
@Suite("Alerts")
struct AlertTests {
    let logger = Logger(label: "test.alerts")

    @Test func pureMappingAndDedupe() {
        let halt = Alert.from(.tradingState(.halted, reason: "kill switch"), now: 100)
        #expect(halt?.kind == .riskHalt && halt?.text == "kill switch")
        #expect(Alert.from(.tradingState(.active, reason: "resumed"), now: 100) == nil)
        #expect(
            Alert.from(.feed("stalled 30s"), now: 1)?.kind == .feedStall
                && Alert.from(.feed("connected"), now: 1) == nil)
        var d = AlertDeduper(windowSeconds: 600)
        let a = Alert(kind: .feedStall, key: "feed:stalled", title: "t", text: "x", at: 1_000)
        let first = d.admit(a)
        let second = d.admit(a)
        #expect(first && !second)
        var later = a
        later.at = 1_601
        let third = d.admit(later)
        #expect(third)
    }

    @Test func webhookIsSignedAndRetriedTelegramGetsTheMessage() async throws {
        let secret = "whsec-0123456789"
        let received = Mutex<[(path: String, body: String, signature: String, timestamp: String)]>([])
        let failuresLeft = Mutex(2)
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.post("/hook") { request, context -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            if failuresLeft.withLock({ n -> Bool in
                defer { n -= 1 }
                return n > 0
            }) {
                return Response(status: .internalServerError)
            }
            received.withLock {
                $0.append(
                    (
                        "/hook", body, request.headers[HTTPField.Name("X-Polybot-Signature")!] ?? "",
                        request.headers[HTTPField.Name("X-Polybot-Timestamp")!] ?? ""
                    ))
            }
            return Response(status: .ok)
        }
        router.post("/botTOKEN123/sendMessage") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            received.withLock { $0.append(("/telegram", body, "", "")) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
        }
        try await withLoopbackServer(router: router) { port in
            // 30 s: on a loaded machine a 2 s limit timed out a message the server had taken, and the retry sent it
            // again (delivery is at-least-once); this test is about retries after a 500 and the dedupe.
            let transport = HTTPTransport(retry: .none, timeout: .seconds(30), logger: logger)
            defer { Task { try? await transport.shutdown() } }
            let sinks: [any AlertSink] = [
                WebhookSink(url: "http://127.0.0.1:\(port)/hook", secret: secret, transport: transport),
                TelegramSink(apiURL: "http://127.0.0.1:\(port)", token: "TOKEN123", chatId: "42", transport: transport),
            ]
            let events = PipelineEvents()
            let service = AlertService(events: events, sinks: sinks, retryDelay: .milliseconds(20), logger: logger)
            let task = Task { try await service.run() }
            #expect(await eventually { events.subscriberCount > 0 })  // the service listens before anything is sent
            events.publish(.tradingState(.halted, reason: "operator pressed halt"))
            events.publish(.tradingState(.halted, reason: "operator pressed halt"))  // deduped
            // A later, different alert: alerts go out in order, so once it has reached both sinks a duplicate of the
            // first that got through would have arrived before it.
            events.publish(.tradingState(.reduceOnly, reason: "marker"))
            #expect(await eventually { received.withLock { $0.filter { $0.body.contains("marker") }.count } == 2 })
            task.cancel()
            let got = received.withLock { $0.filter { !$0.body.contains("marker") } }
            let hook = try #require(got.first { $0.path == "/hook" })
            // The webhook failed twice (500) and was retried; the signature verifies over timestamp.body.
            #expect(got.filter { $0.path == "/hook" }.count == 1)
            #expect(
                hook.signature == "sha256="
                    + WebhookSink.signature(secret: secret, timestamp: hook.timestamp, body: hook.body))
            #expect(hook.body.contains(#""kind":"risk_halt""#) && hook.body.contains("operator pressed halt"))
            let telegram = try #require(got.first { $0.path == "/telegram" })
            #expect(telegram.body.contains(#""chat_id":"42""#) && telegram.body.contains("Trading halted"))
            #expect(got.filter { $0.path == "/telegram" }.count == 1)
        }
    }

    @Test func emailGoesThroughSMTP() async throws {
        let transcript = Mutex<[String]>([])
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { ch in
                ch.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch)
                }
            }
        let port = try #require(server.channel.localAddress?.port)
        let serving = Task {
            try await server.executeThenClose { clients in
                for try await client in clients {
                    try await client.executeThenClose { inbound, outbound in
                        try await outbound.write(ByteBuffer(string: "220 test ESMTP\r\n"))
                        var inData = false
                        var pending = ""
                        for try await var chunk in inbound {
                            pending += chunk.readString(length: chunk.readableBytes) ?? ""
                            while let r = pending.range(of: "\r\n") {
                                let line = String(pending[..<r.lowerBound])
                                pending = String(pending[r.upperBound...])
                                transcript.withLock { $0.append(line) }
                                if inData {
                                    if line == "." {
                                        inData = false
                                        try await outbound.write(ByteBuffer(string: "250 queued\r\n"))
                                    }
                                } else if line.hasPrefix("EHLO") {
                                    try await outbound.write(ByteBuffer(string: "250-test\r\n250 OK\r\n"))
                                } else if line == "DATA" {
                                    inData = true
                                    try await outbound.write(ByteBuffer(string: "354 go on\r\n"))
                                } else if line == "QUIT" {
                                    try await outbound.write(ByteBuffer(string: "221 bye\r\n"))
                                    return
                                } else {
                                    try await outbound.write(ByteBuffer(string: "250 OK\r\n"))
                                }
                            }
                        }
                    }
                }
            }
        }
        defer { serving.cancel() }
        let sink = SMTPSink(host: "127.0.0.1", port: port, from: "bot@polybot.local", to: ["ops@example.com"])
        try await sink.send(
            Alert(
                kind: .reconciliation, key: "r", title: "Reconciliation: 1 problem(s)",
                text: ".starts with a dot\nsecond", at: 1_800_000_000))
        let lines = transcript.withLock { $0 }
        #expect(lines.contains("MAIL FROM:<bot@polybot.local>") && lines.contains("RCPT TO:<ops@example.com>"))
        #expect(lines.contains("Subject: [Polybot] Reconciliation: 1 problem(s)"))
        #expect(lines.contains("..starts with a dot") && lines.contains("second") && lines.last == "QUIT")
    }
}
