/// A `Service` made of two closures: the adapter for a component whose own start and stop
/// already do the work (the components stay unaware of the contract).
package final class ClosureService: Service {
    package let name: String
    private let startBody: @Sendable () throws -> Void
    private let stopBody: @Sendable () throws -> Void

    /// - Parameters:
    ///   - name: see `Service.name`.
    ///   - start: what `start()` does (nothing by default: a component running from its init).
    ///   - stop: what `stop()` does.
    package init(
        _ name: String, start: @escaping @Sendable () throws -> Void = {}, stop: @escaping @Sendable () throws -> Void
    ) {
        self.name = name
        self.startBody = start
        self.stopBody = stop
    }

    package func start() throws { try startBody() }
    package func stop() throws { try stopBody() }
}
