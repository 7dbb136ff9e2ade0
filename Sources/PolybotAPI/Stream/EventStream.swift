import Foundation
import PolybotCore
import PolybotStore
import Synchronization

/// Numbers the pipeline's events, keeps the last `capacity` as JSON, and fans them out to WebSocket clients.
/// A client that reconnects with `?cursor=<last seq>` first gets what it missed (or a `reset` when that fell out of
/// the buffer, so it reloads from the API), then live events.
package final class EventStream: Sendable {
    private struct State {
        var seq: Int64 = 0
        var buffer: [(seq: Int64, json: String)] = []
        var clients: [UUID: AsyncStream<String>.Continuation] = [:]
        var closed = false
    }
    private let state = Mutex(State())
    private let capacity: Int

    /// Creates the stream.
    package init(capacity: Int = 2_000) { self.capacity = capacity }

    /// Forwards the pipeline's events until the hub ends (run as a task of the daemon).
    package func pump(from events: PipelineEvents) async {
        for await e in events.subscribe(buffer: 10_000) { publish(e) }
    }

    /// Numbers, stores and sends one event.
    package func publish(_ event: PipelineEvent) {
        guard let (type, data) = Self.encode(event) else { return }
        state.withLock { s in
            s.seq += 1
            let json = #"{"seq":\#(s.seq),"type":"\#(type)","data":\#(data)}"#
            s.buffer.append((s.seq, json))
            if s.buffer.count > capacity { s.buffer.removeFirst(s.buffer.count - capacity) }
            for c in s.clients.values { c.yield(json) }
        }
    }

    /// A client's stream: what it missed since `cursor` (or a reset), then live events. Slow clients lose their
    /// oldest unsent events (bounded buffer) rather than slowing the pipeline.
    package func connect(cursor: Int64?) -> (id: UUID, frames: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(5_000))
        let id = UUID()
        state.withLock { s in
            // Shutting down: the stream ends at once (the handler then closes the socket).
            if s.closed {
                continuation.finish()
                return
            }
            if let cursor {
                if let first = s.buffer.first?.seq, cursor < first - 1 {
                    continuation.yield(#"{"seq":\#(s.seq),"type":"reset","data":{}}"#)
                } else {
                    for e in s.buffer where e.seq > cursor { continuation.yield(e.json) }
                }
            }
            continuation.yield(#"{"seq":\#(s.seq),"type":"hello","data":{}}"#)
            s.clients[id] = continuation
        }
        return (id, stream)
    }

    /// Ends every client's stream and refuses new ones: the first step of a graceful shutdown, so connected dashboards
    /// are closed (WebSocket close 1001) instead of holding the server's shutdown until its time limit.
    package func closeAll() {
        let clients = state.withLock { s in
            s.closed = true
            defer { s.clients.removeAll() }
            return Array(s.clients.values)
        }
        for c in clients { c.finish() }
    }

    /// Forgets a client.
    package func disconnect(_ id: UUID) {
        _ = state.withLock { $0.clients.removeValue(forKey: id) }?.finish()
    }

    /// Connected clients.
    package var clientCount: Int { state.withLock { $0.clients.count } }

    /// The latest sequence number.
    package var lastSeq: Int64 { state.withLock { $0.seq } }

    static func encode(_ event: PipelineEvent) -> (String, String)? {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        func json(_ v: some Encodable) -> String? { (try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } }
        let now = Int64(Date().timeIntervalSince1970)
        switch event {
        case .whaleTrade(let t, let id): return json(TradeDTO(id: id, t)).map { ("whale_trade", $0) }
        case .signal(let s, let id): return json(SignalDTO(s, id: id)).map { ("signal", $0) }
        case .signalSkipped(let id, let reason):
            return json(["signalId": "\(id)", "reason": reason]).map { ("signal_skipped", $0) }
        case .riskDecision(let id, let d):
            return json(DecisionDTO(signalId: id, d, at: now)).map { ("risk_decision", $0) }
        case .order(let o): return json(OrderDTO(o)).map { ("order", $0) }
        case .position(let p): return json(PositionDTO(p)).map { ("position", $0) }
        case .tradingState(let s, let reason):
            return json(["state": s.rawValue, "reason": reason]).map { ("trading_state", $0) }
        case .reconciliation(let problems): return json(["problems": problems]).map { ("reconciliation", $0) }
        case .feed(let status): return json(["status": status]).map { ("feed", $0) }
        }
    }
}
