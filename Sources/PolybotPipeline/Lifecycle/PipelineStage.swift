import AsyncAlgorithms
import ServiceLifecycle

/// The shape of every streaming stage of the pipeline (whale filter, wallet scorer, consensus, sizer, risk manager):
/// an actor that reads its input until it ends, decides on each element and hands what passes to `output`, whose
/// `send` suspends until the next stage takes it. A stage file holds only its decision (``handle(_:)``, and any
/// start-up work in ``prepare()``); the run and drain protocol is written once, in ``run()``.
///
/// Drain: the input ends when the stage before has drained, so this stage finishes its output — the next stage may
/// finish too — and then waits for its own turn to stop (see ``awaitShutdownTurn()``). No stage uses
/// `cancelOnGracefulShutdown`: upstream finishing is the drain signal, and nothing accepted is dropped.
package protocol PipelineStage: Actor, Service {
    /// What the stage reads.
    associatedtype Input: AsyncSequence & Sendable
    /// What it hands on.
    associatedtype Output: Sendable

    /// The next stage's input.
    nonisolated var output: AsyncChannel<Output> { get }
    /// The stage's input.
    var input: Input { get }

    /// Work before the first element (recovery of a previous run, waiting for reconciliation). False: the stage stops
    /// without reading its input (a shutdown came first).
    func prepare() async -> Bool

    /// Decides on one element and sends what passes to ``output``. False: stop reading (a shutdown arrived while the
    /// stage waited, e.g. on the database through an outage).
    func handle(_ element: Input.Element) async -> Bool
}

extension PipelineStage {
    /// No start-up work.
    package func prepare() async -> Bool { true }

    /// Reads the input until it ends (or ``handle(_:)`` says stop), finishes the output, then waits for this stage's
    /// turn to stop.
    package func run() async throws {
        defer { output.finish() }
        if await prepare() {
            for try await element in input {
                guard await handle(element) else { break }
            }
        }
        output.finish()
        await awaitShutdownTurn()
    }
}
