import PostgresNIO

extension PostgresClient {
    /// Runs `body` while the client's `run()` loop is going, and stops the loop afterwards.
    ///
    /// Waits until the task driving `run()` has started before calling `body`, so the first query does not race it
    /// (postgres-nio then logs "Trying to lease connection … but `PostgresClient.run()` hasn't been called yet").
    ///
    /// - Parameter body: the work; its result is returned.
    /// - Throws: whatever `body` throws.
    package func whileRunning<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        let (started, signal) = AsyncStream<Void>.makeStream()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                signal.finish()
                await self.run()
            }
            defer { group.cancelAll() }
            for await _ in started {}
            return try await body(self)
        }
    }
}
