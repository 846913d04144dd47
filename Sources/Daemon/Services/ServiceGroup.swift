import AuditStore
import Logging
import Runtime
import Synchronization

/// Starts services in order and stops them in reverse: a service may rely on those before it
/// for as long as it runs (the pipeline on the writer, the client on the pipeline).
///
/// Every stop step runs even when an earlier one throws, and each is bounded by
/// `stopDeadline`: a service that has not stopped by then is abandoned (its stop thread left
/// running), logged at error, and the rest still stop. Owned by the thread that builds and
/// stops the daemon.
package final class ServiceGroup {
    /// A service whose stop failed: it threw, or did not return within the deadline.
    package struct StopFailure: Error, CustomStringConvertible {
        /// The service's name.
        package var service: String
        /// What its stop threw; nil when it did not return within the deadline.
        package var error: (any Error)?

        package var description: String {
            error.map { "\(service): \($0)" } ?? "\(service): did not stop within the deadline"
        }
    }

    /// The services, in start order.
    package let services: [any Service]
    /// How long one service's stop may take before it is abandoned.
    package let stopDeadline: Duration
    private let logger: Logger
    /// How many services (from the front) have started and not yet been stopped.
    private var startedCount = 0

    /// - Parameters:
    ///   - services: in start order (dependencies first).
    ///   - stopDeadline: see `stopDeadline`; the packaged unit gives systemd 30 s in all.
    package init(_ services: [any Service], stopDeadline: Duration = .seconds(20), logger: Logger) {
        self.services = services
        self.stopDeadline = stopDeadline
        self.logger = logger
    }

    /// Starts each service in order.
    ///
    /// - Throws: the first start error, after stopping (in reverse) those already started.
    package func start() throws {
        for service in services[startedCount...] {
            do {
                try service.start()
            } catch {
                for failure in stop() {
                    logger.error("service failed to stop", metadata: ["service": "\(failure.service)", "error": "\(failure)"])
                }
                throw error
            }
            startedCount += 1
        }
    }

    /// Stops the started services in reverse order, each within `stopDeadline`.
    ///
    /// - Returns: the stops that threw or timed out, in the order they were stopped; every
    ///   other service has stopped.
    @discardableResult
    package func stop() -> [StopFailure] {
        var failures: [StopFailure] = []
        for service in services[..<startedCount].reversed() {
            if let failure = stop(service) { failures.append(failure) }
        }
        startedCount = 0
        return failures
    }

    /// Runs `service.stop()` on a thread of its own and waits for it until the deadline.
    private func stop(_ service: any Service) -> StopFailure? {
        let outcome = StopOutcome()
        // Detached: a stop past its deadline is abandoned, not joined.
        NamedThread.start(name: "moses-stop") {
            let result = Result { try service.stop() }
            outcome.finish(result)
        }.detach()
        let deadline = ContinuousClock.now + stopDeadline
        guard let result = outcome.wait(until: deadline) else {
            logger.error("service did not stop within the deadline; abandoned", metadata: [
                "service": "\(service.name)", "deadline.seconds": "\(stopDeadline.components.seconds)",
            ])
            return StopFailure(service: service.name, error: nil)
        }
        if case .failure(let error) = result { return StopFailure(service: service.name, error: error) }
        return nil
    }
}

/// One stop's result, handed from its stop thread to the waiting group.
/// `@unchecked Sendable`: `result` is read and written only with `lock` held.
private final class StopOutcome: @unchecked Sendable {
    private let lock = ConditionLock()
    private var result: Result<Void, any Error>?

    func finish(_ result: Result<Void, any Error>) {
        lock.withLock {
            self.result = result
            lock.signalWork()
        }
    }

    /// The result, or nil when `deadline` passed first.
    func wait(until deadline: ContinuousClock.Instant) -> Result<Void, any Error>? {
        lock.withLock {
            while result == nil {
                if lock.waitForWork(until: deadline) { break }
            }
            return result
        }
    }
}
