import AuditStore
import Governance
import Logging
import MosesFiles
import Runtime
import Synchronization
import WireFormats

/// Hands MO§ES file changes to the pipeline once it exists (the watcher is created first,
/// to read the initial state). `Sendable`: the pipeline reference sits in a mutex.
package final class PipelineBox: Sendable {
    private let pipeline = Mutex<GatewayPipeline?>(nil)
    /// False for a legacy stream: the ledger never makes its audits judgeable.
    package let canReadLedger: Bool
    package let ledgerPath: String?

    package init(canReadLedger: Bool = true, ledgerPath: String? = nil) {
        self.canReadLedger = canReadLedger
        self.ledgerPath = ledgerPath
    }

    package func set(_ value: GatewayPipeline) { pipeline.withLock { $0 = value } }

    /// For `STATUS=`: how many audits could not be judged, while the ledger is not readable.
    package var unverifiableAuditsNote: String {
        guard let pipeline = pipeline.withLock({ $0 }), !pipeline.isLedgerReadable else { return "" }
        return "; MO§ES ledger not readable, \(pipeline.engineCounters.unverifiableAudits) audits unverifiable"
    }

    /// Judges a ledger entry or a state change (the watcher's thread).
    package func handle(_ change: MosesFilesWatcher.Change, logger: Logger) {
        guard let pipeline = pipeline.withLock({ $0 }) else { return }
        switch change {
        case let .ledgerTip(hash):
            pipeline.seedLedgerChain(tip: hash)
        case let .ledger(.entry(entry, bytes)):
            pipeline.inject(GovernanceEvent(at: entry.timestamp ?? WallClock.milliseconds(), kind: .ledgerEntry(entry)), captured: (.ledger, bytes))
        case .ledger(.refused):
            break  // counted and logged (rate-limited) by the watcher
        case let .state(state):
            pipeline.inject(GovernanceEvent(at: WallClock.milliseconds(), kind: .stateChanged(state)), captured: (.state, CaptureWriter.stateData(state)))
        case .stateRefused:
            break  // counted and logged (rate-limited) by the watcher
        case let .ledgerReadable(isReadable):
            guard canReadLedger || !isReadable else { return }
            pipeline.setLedgerReadable(isReadable, ledgerPath: canReadLedger ? ledgerPath : nil)
        }
    }
}
