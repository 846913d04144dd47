import AuditStore
import Gateway
import Synchronization

/// Carries the audit writer's health to the rest of the daemon: while the store cannot
/// write, reading from the gateway is paused (the writer holds what it has; the gateway
/// buffers or drops, and a dropped run is resynced by the gap resync once reading resumes)
/// and the systemd `STATUS=` line says so.
///
/// The writer exists before the gateway client, so the client is attached later.
/// `Sendable`: its state sits in a mutex; `storeChanged` comes from the writer thread,
/// `decorate` from the gateway's.
package final class StoreHealthRelay: Sendable {
    private struct State {
        var client: GatewayClient?
        var integrity: StoreIntegrityMonitor?
        var failure: String?
    }

    private let state = Mutex(State())
    /// Shows a status line (systemd `STATUS=`).
    private let showStatus: @Sendable (String) -> Void

    package init(showStatus: @escaping @Sendable (String) -> Void) {
        self.showStatus = showStatus
    }

    /// Starts relaying to `client` (and applies a failure already reported).
    package func attach(_ client: GatewayClient) {
        let isFailing = state.withLock { state in
            state.client = client
            return state.failure != nil
        }
        if isFailing { client.setReadingPaused(true) }
    }

    /// Tells `monitor` of the writer's failures, so a corrupt page met by a batch is
    /// reported at once rather than at the next periodic check.
    package func attach(_ monitor: StoreIntegrityMonitor) {
        state.withLock { $0.integrity = monitor }
    }

    /// The writer's report (writer thread).
    package func storeChanged(_ health: AuditWriter.StoreHealth) {
        let (client, integrity) = state.withLock { state in
            switch health {
            case .writable: state.failure = nil
            case .failing(let error): state.failure = "\(error.code)"
            }
            return (state.client, state.integrity)
        }
        if case .failing(let error) = health { integrity?.noteStoreError(error) }
        switch health {
        case .writable:
            client?.setReadingPaused(false)
            showStatus(decorate(client.map { $0.currentStatus.statusLine } ?? "store writable again"))
        case .failing:
            client?.setReadingPaused(true)
            showStatus(decorate(client.map { $0.currentStatus.statusLine } ?? "starting"))
        }
    }

    /// `line` with the store's trouble in front while there is one.
    package func decorate(_ line: String) -> String {
        guard let failure = state.withLock({ $0.failure }) else { return line }
        return "STORE CANNOT WRITE (\(failure)): holding records, gateway reading paused; \(line)"
    }
}
