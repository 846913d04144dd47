/// A long-lived part of the daemon (gateway client, MO§ES files watcher, store writer,
/// delivery worker, metrics server, store integrity monitor, retention) behind one contract,
/// so a `ServiceGroup` can start them in order and stop them in reverse.
///
/// `start()` and `stop()` are called once each, by the group: `start()` from the thread that
/// builds the daemon, `stop()` from a stop thread of the group's (hence `Sendable`).
package protocol Service: AnyObject, Sendable {
    /// Names the service in logs and stop reports ("gateway client", "store writer").
    var name: String { get }

    /// Starts the service's work (its threads, its listener); returns once it runs.
    ///
    /// - Throws: when it cannot start (the group then stops those already started).
    func start() throws

    /// Stops the service's work and releases what it holds; returns once it has stopped.
    ///
    /// - Throws: when the stop lost work (for the store writer: violations neither stored
    ///   nor spooled); the group goes on stopping the others.
    func stop() throws
}
