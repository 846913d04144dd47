/// The daemon's metrics at one moment, as Prometheus families: name, help, type, and samples
/// with labels. The daemon builds one per scrape from its counters structs (each spells its
/// sample names, e.g. `AuditWriter.Counters.named`, `NormalizerCounters.metrics`,
/// `OutboxCounts.metrics`, as the store's `stats` view keys them); each family's type, labels
/// and HELP come from `MetricsCatalog`.
///
/// A value type; build it on any thread.
package struct MetricsSnapshot: Sendable, Equatable {
    /// The Prometheus metric type.
    package enum Kind: String, Sendable {
        /// Monotonic; the name ends in `_total`.
        case counter
        /// A level that goes up and down; no suffix.
        case gauge
    }

    /// One `name="value"` label.
    package struct Label: Sendable, Equatable {
        package var name: String
        package var value: String

        package init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One line of the exposition: labels and value.
    package struct Sample: Sendable, Equatable {
        package var labels: [Label]
        package var value: Double
    }

    /// Every sample sharing a name, with its HELP and TYPE.
    package struct Family: Sendable, Equatable {
        package var name: String
        package var help: String
        package var kind: Kind
        package var samples: [Sample]
    }

    /// The families in the order they were first added.
    package private(set) var families: [Family] = []
    private var indexByName: [String: Int] = [:]

    package init() {}

    /// Adds one sample.
    ///
    /// - Parameters:
    ///   - name: the metric name (`moses_<stage>_<what>_total` for counters); without `help`
    ///     it must be a family of `MetricsCatalog` and `labels` its label names, in order
    ///     (a mismatch is a bug and traps).
    ///   - labels: the sample's labels.
    ///   - value: the value.
    ///   - kind: the type of a family given with `help`; by default a name ending in `_total`
    ///     is a counter, others gauges.
    ///   - help: the HELP text of a family the catalog does not declare (tests' own families).
    package mutating func add(
        _ name: String, labels: [Label] = [], value: Double, kind: Kind? = nil, help: String? = nil
    ) {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        if let index = indexByName[name] {
            if help == nil, let definition = MetricsCatalog.definition(named: name) {
                precondition(labels.map(\.name) == definition.labels, "metric \(name) takes the labels \(definition.labels)")
            }
            families[index].samples.append(Sample(labels: labels, value: value))
            return
        }
        let family: Family
        if let help {
            family = Family(
                name: name, help: help, kind: kind ?? (name.hasSuffix("_total") ? .counter : .gauge),
                samples: [Sample(labels: labels, value: value)])
        } else {
            guard let definition = MetricsCatalog.definition(named: name) else {
                preconditionFailure("metric \(name) is not declared in MetricsCatalog")
            }
            precondition(labels.map(\.name) == definition.labels, "metric \(name) takes the labels \(definition.labels)")
            family = Family(name: name, help: definition.help, kind: definition.kind, samples: [Sample(labels: labels, value: value)])
        }
        indexByName[name] = families.count
        families.append(family)
    }

    /// Adds named counter values as the daemon's structs list them; a name may carry labels
    /// in exposition form (`moses_capture_records_total{source="gateway"}`).
    package mutating func add(named values: [(name: String, value: UInt64)]) {
        for (name, value) in values {
            let (base, labels) = Self.split(name)
            add(base, labels: labels, value: Double(value))
        }
    }

    /// Adds named values given as `Int` (the gateway's counters).
    package mutating func add(named values: [(name: String, value: Int)]) {
        add(named: values.map { ($0.name, UInt64(clamping: $0.value)) })
    }

    /// Splits `name{a="b",…}` into the name and its labels (escapes `\\`, `\"`, `\n` undone).
    package static func split(_ text: String) -> (name: String, labels: [Label]) {
        guard let brace = text.firstIndex(of: "{"), text.hasSuffix("}") else { return (text, []) }
        let name = String(text[..<brace])
        var labels: [Label] = []
        var rest = Substring(text[text.index(after: brace)..<text.index(before: text.endIndex)])
        while let equals = rest.firstIndex(of: "=") {
            let labelName = rest[..<equals].trimmingLeadingCommas()
            rest = rest[rest.index(after: equals)...]
            guard rest.first == "\"" else { break }
            rest = rest.dropFirst()
            var value = ""
            var isEscaped = false
            while let character = rest.first {
                rest = rest.dropFirst()
                if isEscaped {
                    value.append(character == "n" ? "\n" : character)
                    isEscaped = false
                } else if character == "\\" {
                    isEscaped = true
                } else if character == "\"" {
                    break
                } else {
                    value.append(character)
                }
            }
            labels.append(Label(String(labelName), value))
        }
        return (name, labels)
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ":")
        }
    }
}

extension Substring {
    fileprivate func trimmingLeadingCommas() -> Substring {
        drop { $0 == "," || $0 == " " }
    }
}
