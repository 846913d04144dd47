import Governance

/// Renders capture lines in the wrapped form `CaptureReader` reads:
/// `{"source":"gateway"|"ledger"|"state","at":<ms>,"data":<object>}` and a newline.
///
/// The data object is embedded byte for byte (a gateway frame as received, a ledger line as
/// written), so a replay hashes and parses exactly what the live run saw. Stateless; any thread.
package enum CaptureWriter {
    /// Where a captured record came from.
    package enum Source: String, Sendable {
        case gateway, ledger, state
        /// Whether the MO§ES ledger can be read from then on: `{"readable":true|false}`.
        case ledgerReadable = "ledger_readable"
    }

    /// Appends one wrapped record line to `output`.
    ///
    /// - Parameters:
    ///   - source: which input the data came from.
    ///   - at: the receive time in ms: the event time of the record on replay.
    ///   - data: one JSON object (a complete gateway frame, ledger line or state object).
    ///     Raw CR and LF bytes, which JSON allows only as whitespace between tokens, become
    ///     spaces so the record stays on one line.
    ///   - output: the buffer to append to (reused by the caller to avoid allocation).
    package static func appendRecord(
        source: Source, at: Int64, data: some Collection<UInt8>, to output: inout [UInt8]
    ) {
        output.append(contentsOf: #"{"source":""#.utf8)
        output.append(contentsOf: source.rawValue.utf8)
        output.append(contentsOf: #"","at":"#.utf8)
        output.append(contentsOf: String(at).utf8)
        output.append(contentsOf: #","data":"#.utf8)
        for byte in data {
            output.append(byte == 0x0A || byte == 0x0D ? 0x20 : byte)
        }
        output.append(contentsOf: "}\n".utf8)
    }

    /// One wrapped record line, newline included.
    package static func record(source: Source, at: Int64, data: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(data.count + 48)
        appendRecord(source: source, at: at, data: data, to: &output)
        return output
    }

    /// The `data` of a `ledger_readable` record.
    package static func ledgerReadableData(_ isReadable: Bool) -> [UInt8] {
        JSONValue.object([.init("readable", .bool(isReadable))]).pythonJSON(.canonical)
    }

    /// The `data` of a `state` record: `{"mode":…,"posture":…,"role":…}` (the fields of
    /// `state.json` the coordinator uses).
    package static func stateData(_ state: GovernanceState) -> [UInt8] {
        JSONValue.object([
            .init("mode", .string(state.mode.rawValue)),
            .init("posture", .string(state.posture.rawValue)),
            .init("role", .string(state.role.rawValue)),
        ]).pythonJSON(.canonical)
    }
}
