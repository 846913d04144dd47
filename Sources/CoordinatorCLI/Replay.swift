import ArgumentParser
import AuditStore
import Configuration
import Governance
import Logging
import WireFormats

extension MosesCoordinator {
    /// `moses-coordinator replay`: judge a recorded capture offline.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Judge a recorded capture and print its violations.",
            discussion: """
                The capture has one JSON object per line: a raw OpenClaw Gateway frame (protocol \
                v3/v4, or the legacy session_update), or a wrapped record \
                {"source":"gateway"|"ledger"|"state"|"ledger_readable","at":<ms>,"data":{...}} as `run --capture` \
                writes. Violations go to standard output, one per line; a summary goes to standard \
                error. A malformed line is reported with its number, counted and skipped.

                With --db, what was judged (violations, responses, tool calls, ledger lines, state \
                changes, counters) is also stored in the audit store; replaying the same capture \
                into the same database again adds no rows.

                Exit status: 0 when the capture was read to the end (violations or not), 65 \
                (EX_DATAERR) when it has lines but not one of them could be read, 1 when it could \
                not be opened or the store failed, 66 or 78 (as check-config) when --config is \
                unreadable or invalid.

                Example: moses-coordinator replay --format text Samples/every-violation.jsonl
                """
        )

        /// How violations are printed.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            /// One JSON object per line (keys sorted).
            case json
            /// One readable line per violation.
            case text
        }

        @Argument(help: "The capture file (JSON lines).", completion: .file())
        var capture: String

        @Option(help: "How to print violations: \(Format.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: Format = .json

        @Option(help: ArgumentHelp("Judge with the policy of this configuration file (YAML); default: the built-in policy.", valueName: "file"), completion: .file())
        var config: String?

        @Option(help: ArgumentHelp("Also store what is judged in this audit store (SQLite).", valueName: "path"), completion: .file())
        var db: String?

        func run() throws {
            let policy = try config.map { try ConfigFile.load($0, command: "replay").policy } ?? Policy()
            var reader = try CaptureReader(path: capture)
            var engine = GovernanceEngine(policy: policy, state: reader.state)
            let writer = try db.map { try AuditWriter(path: $0, logger: Logger(label: "moses.replay")) }
            engine.collectsLateAudits = writer != nil
            var found: [Violation] = []
            let format = self.format
            let capture = self.capture
            var output = LineWriter(descriptor: 1)
            func printFound() {
                for violation in found {
                    _ = writer?.enqueue(.violation(violation))
                    output.write(format == .json ? violation.jsonLine : violation.textLine)
                }
                found.removeAll(keepingCapacity: true)
            }
            var eventsRead: UInt64 = 0
            try reader.forEach({ event in
                eventsRead &+= 1
                let disposition = engine.process(event, into: &found)
                if let writer {
                    for record in AuditRecord.observations(of: event, disposition: disposition, engine: engine) {
                        _ = writer.enqueue(record)
                    }
                    for audited in engine.takeLateAudits() { _ = writer.enqueue(.responseAudited(audited)) }
                }
                if !found.isEmpty { printFound() }
            }, refused: { error in
                output.flush()
                StandardError.write("replay: \(capture): skipped \(error)")
            })
            engine.finish(into: &found)
            for audited in engine.takeLateAudits() { _ = writer?.enqueue(.responseAudited(audited)) }
            printFound()
            output.flush()
            if let writer {
                var counters = CountersSnapshot(at: engine.clock, engine: engine.counters)
                counters.values += Self.rejectedValueCounters(of: reader)
                _ = writer.enqueue(.counters(counters))
                try writer.close()
            }
            StandardError.write(ReplaySummary(engine: engine.counters, capture: reader.counters).text)
            let refused = reader.counters.malformed &+ reader.counters.oversized
            if eventsRead == 0 && refused > 0 {
                // Nothing judged is not "no violations": most likely the wrong file or format.
                StandardError.write(
                    "replay: \(capture): none of its \(refused) non-blank lines could be read; is it a capture (JSON lines of gateway frames or `run --capture` records)?")
                throw ExitCode(Self.unreadableDataExitCode)
            }
        }

        /// EX_DATAERR (sysexits.h): the input was there but not one record of it was usable.
        static let unreadableDataExitCode: Int32 = 65
    }
}

extension MosesCoordinator.Replay {
    /// The capture's and its normalizer's rejected-value counters, for the store's `stats`
    /// (the engine's own, ledger timestamps, come with its snapshot).
    static func rejectedValueCounters(of reader: borrowing CaptureReader) -> [(name: String, value: UInt64)] {
        (reader.counters.metrics + reader.normalizer.counters.metrics).filter { $0.name.hasSuffix("_rejected_values_total") }
    }
}

/// The closing summary of a replay, for a human.
struct ReplaySummary {
    var engine: EngineCounters
    var capture: CaptureReader.Counters

    var text: String {
        var lines = [
            "replay: \(capture.lines) lines, \(engine.events) events (\(engine.responses) responses, \(engine.toolCalls) tool calls, \(engine.streamDeltas) stream deltas, \(engine.ledgerEntries) ledger entries, \(engine.stateChanges) state changes); \(capture.malformed) malformed and \(capture.oversized) oversized lines skipped (\(capture.rejectedValues) for a value out of range)",
            "replay: \(engine.violations) violations",
        ]
        for rule in RuleID.allCases where engine.violations(of: rule) > 0 {
            lines.append("  \(rule.rawValue): \(engine.violations(of: rule))")
        }
        if engine.unverifiableAudits > 0 {
            lines.append("replay: \(engine.unverifiableAudits) audits unverifiable (no readable MO§ES ledger, or legacy frames)")
        }
        return lines.joined(separator: "\n")
    }
}
