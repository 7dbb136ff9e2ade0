import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `map` with the elements transformed on every core at once; the results are in the elements' order, the same as
    /// `map`'s for a pure `transform`. For many independent, costly runs (the verdict's random baskets).
    ///
    /// - Parameter concurrent: false runs `map` (on the calling thread only).
    public func concurrentMap<T: Sendable>(_ concurrent: Bool = true, _ transform: @Sendable (Element) -> T) -> [T] {
        guard concurrent else { return map(transform) }
        let results = Mutex([T?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let value = transform(self[i])
            results.withLock { $0[i] = value }
        }
        return results.withLock { $0.map { $0! } }
    }
}
