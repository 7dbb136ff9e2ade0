@_spi(TestKit) import ServiceLifecycle

/// Returns once this service's own graceful shutdown has been signalled (or its task cancelled); at once when the
/// stage runs outside a service group (unit tests drive stages directly).
///
/// Why: a `ServiceGroup` stops its services one at a time in reverse order and treats any *other* service that returns
/// meanwhile as a failure ("A service has finished unexpectedly", exit 1). A pipeline stage whose input ended because
/// the stage before it stopped has drained and finished its output; it then waits here for its own turn instead of
/// returning early. (`TaskLocals` is the library's SPI for the one fact needed: whether a group runs this task.)
package func awaitShutdownTurn() async {
    guard TaskLocals.gracefulShutdownManager != nil else { return }
    do {
        try await gracefulShutdown()
    } catch {
        // Cancelled: the group is cancelling every service; returning is what it asks for.
    }
}
