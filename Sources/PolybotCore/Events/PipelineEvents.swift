import Foundation
import PolybotCore
import Synchronization

/// What the pipeline tells the dashboard hub and alerting, as it happens.
package enum PipelineEvent: Sendable {
    case whaleTrade(Trade, id: Int64)
    case signal(CopySignal, id: Int64)
    case signalSkipped(signalId: Int64, reason: String)
    case riskDecision(signalId: Int64?, RiskDecision)
    case order(CopyOrder)
    case position(Position)
    case tradingState(TradingState, reason: String)
    case reconciliation(problems: [String])
    case feed(String)
}

/// A fan-out of ``PipelineEvent``s to any number of subscribers. Publishing never blocks a stage: each subscriber
/// has a bounded buffer and a slow one loses its oldest events (the dashboard catches up from the database).
package final class PipelineEvents: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<PipelineEvent>.Continuation]>([:])

    /// Creates a hub with no subscribers.
    package init() {}

    /// Sends an event to every subscriber.
    package func publish(_ event: PipelineEvent) {
        let targets = subscribers.withLock { Array($0.values) }
        for c in targets { c.yield(event) }
    }

    /// How many subscribers are listening (tests wait on it instead of sleeping).
    package var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// A stream of the events published from now on; it ends when the consumer stops iterating.
    package func subscribe(buffer: Int = 1_000) -> AsyncStream<PipelineEvent> {
        let (stream, continuation) = AsyncStream<PipelineEvent>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.removeValue(forKey: id) } }
        return stream
    }
}
