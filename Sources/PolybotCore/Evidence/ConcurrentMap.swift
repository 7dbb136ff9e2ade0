import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `map` with the elements transformed on every core at once; the results are in the elements' order, the same as
    /// `map`'s for a pure `transform`. For many independent, costly runs (the verdict's random baskets).
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let results = Mutex([T?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let value = transform(self[i])
            results.withLock { $0[i] = value }
        }
        return results.withLock { $0.map { $0! } }
    }
}
