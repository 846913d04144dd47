import WireFormats
import Gateway

/// One step of a simulator scenario. A scenario file is JSON Lines, one object per line:
///
/// | line | effect |
/// | --- | --- |
/// | `{"send": <frame>}` | broadcast the frame to every ready client; remembered for `chat.history` |
/// | `{"record": <frame>}` | remembered for `chat.history` only: a frame the client missed |
/// | `{"sleepMs": n}` | pause |
/// | `{"ledger": <entry>}` | append the entry as a line to the ledger file |
/// | `{"state": {...}}` | write the object to the state file (atomically) |
/// | `{"marker": "name"}` | note that the scenario got here (tests wait on it) |
/// | `{"waitForClients": n}` | wait until n clients are ready |
/// | `{"waitForNoClients": true}` | wait until no client is connected (what follows is only on record, as a gateway's agents go on while the monitor is down) |
/// | `{"fragment": <frame>, "pieces": n}` | send the frame split into n WebSocket fragments |
/// | `{"oversized": n}` | send a valid event frame of n bytes |
/// | `{"garbage": "text"}` | send text that is not a frame |
/// | `{"ticks": false}` | stop (or, with true, resume) ticking |
/// | `{"drop": true}` | close every client connection |
/// | `{"refuse": "method"}` | answer that RPC with an error from now on (an older or stricter gateway) |
/// | `{"holdHistory": true}` | leave `chat.history` requests unanswered (a slow gateway) until `{"holdHistory": false}` |
/// | `{"reject": <error shape>}` | answer the next connect with this error |
/// | `{"blast": <frame>, "count": n}` | send the frame n times as fast as the socket takes it |
///
/// A capture (what `run --capture` writes, `replay` reads and `demo --scenario` plays) is a
/// scenario too: a `{"source": "gateway"|"ledger"|"state", "at": ms, "data": …}` record is
/// played as `send`, `ledger` or `state` of its `data`, and a bare frame (no `source`, as a
/// raw gateway capture holds) as `send`; see `Scenario.steps(fromCaptureRecord:)`.
///
/// Blank lines and lines starting with `#` or `//` are skipped.
package enum ScenarioStep: Sendable, Equatable {
    case send(OpaqueJSON)
    case record(OpaqueJSON)
    case sleep(milliseconds: Int)
    case ledger(OpaqueJSON)
    case state(OpaqueJSON)
    case marker(String)
    case waitForClients(Int)
    case waitForNoClients
    case fragment(OpaqueJSON, pieces: Int)
    case oversized(bytes: Int)
    case garbage(String)
    case ticks(Bool)
    case dropConnections
    case holdHistory(Bool)
    case refuse(method: String)
    case reject(GatewayErrorShape)
    case blast(OpaqueJSON, count: Int)

    /// Builds a send step from frame text (tests and `demo`).
    ///
    /// - Returns: nil when the text is not JSON.
    package static func send(json text: String) -> ScenarioStep? {
        OpaqueJSON.decode(Array(text.utf8)).map { .send($0) }
    }

    /// Builds a record-only step from frame text.
    package static func record(json text: String) -> ScenarioStep? {
        OpaqueJSON.decode(Array(text.utf8)).map { .record($0) }
    }

    /// Builds a blast step from frame text.
    package static func blast(json text: String, count: Int) -> ScenarioStep? {
        OpaqueJSON.decode(Array(text.utf8)).map { .blast($0, count: count) }
    }
}

/// A parsed scenario file.
package struct Scenario: Sendable, Equatable {
    package var steps: [ScenarioStep]

    package init(steps: [ScenarioStep]) {
        self.steps = steps
    }

    /// A scenario line that could not be read.
    package struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        package var line: Int
        package var reason: String
        package var description: String { "scenario line \(line): \(reason)" }
    }

    /// Parses JSON Lines text.
    ///
    /// - Throws: `ParseError` naming the first bad line.
    package init(jsonLines text: String) throws(ParseError) {
        var steps: [ScenarioStep] = []
        var hasCaptureRecord = false
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("//") { continue }
            guard let value = OpaqueJSON.decode(Array(line.utf8)), case let .object(object) = value else {
                throw ParseError(line: offset + 1, reason: "not a JSON object")
            }
            if let step = Self.step(from: object) {
                steps.append(step)
                continue
            }
            guard let played = Self.steps(fromCaptureRecord: object) else {
                throw ParseError(
                    line: offset + 1,
                    reason: "neither a scenario step nor a capture record (keys \(object.keys.sorted()))")
            }
            if !hasCaptureRecord {
                // The client subscribes to sessions after hello-ok: frames sent before then
                // would reach no subscriber.
                steps.append(.sleep(milliseconds: Self.captureStartDelayMs))
                hasCaptureRecord = true
            }
            steps += played
        }
        self.steps = steps
    }

    /// The pause before a capture's first record is played.
    static let captureStartDelayMs = 300

    /// The steps that play one capture line: a wrapped record's `data` sent, appended to the
    /// ledger or written as the state, or a bare gateway frame sent. A short pause follows
    /// each, longer after a file change so that the monitor's file watcher sees it before the
    /// frames that depend on it. Nil when the object is no capture record.
    static func steps(fromCaptureRecord object: [String: OpaqueJSON]) -> [ScenarioStep]? {
        guard let source = object["source"] else {
            // A bare frame: a gateway frame has a `type` (`event`, `res`, legacy `session_update`).
            return object["type"]?.stringValue == nil ? nil : [.send(.object(object)), .sleep(milliseconds: 2)]
        }
        guard let data = object["data"] else { return nil }
        switch source.stringValue {
        case "gateway": return [.send(data), .sleep(milliseconds: 2)]
        case "ledger": return [.ledger(data), .sleep(milliseconds: 30)]
        case "state": return [.state(data), .sleep(milliseconds: 30)]
        default: return nil
        }
    }

    private static func step(from object: [String: OpaqueJSON]) -> ScenarioStep? {
        if let frame = object["send"] { return .send(frame) }
        if let frame = object["record"] { return .record(frame) }
        if let milliseconds = object["sleepMs"]?.integerValue { return .sleep(milliseconds: Int(milliseconds)) }
        if let entry = object["ledger"] { return .ledger(entry) }
        if let state = object["state"] { return .state(state) }
        if let name = object["marker"]?.stringValue { return .marker(name) }
        if let count = object["waitForClients"]?.integerValue { return .waitForClients(Int(count)) }
        if object["waitForNoClients"] != nil { return .waitForNoClients }
        if let frame = object["fragment"] { return .fragment(frame, pieces: Int(object["pieces"]?.integerValue ?? 2)) }
        if let bytes = object["oversized"]?.integerValue { return .oversized(bytes: Int(bytes)) }
        if let text = object["garbage"]?.stringValue { return .garbage(text) }
        if case let .bool(on)? = object["ticks"] { return .ticks(on) }
        if object["drop"] != nil { return .dropConnections }
        if case let .bool(on)? = object["holdHistory"] { return .holdHistory(on) }
        if let method = object["refuse"]?.stringValue { return .refuse(method: method) }
        if let error = object["reject"], let shape = try? OpaqueJSON.reencode(error, as: GatewayErrorShape.self) {
            return .reject(shape)
        }
        if let frame = object["blast"] { return .blast(frame, count: Int(object["count"]?.integerValue ?? 1)) }
        return nil
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}
