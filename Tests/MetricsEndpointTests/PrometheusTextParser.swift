/// A small parser of the Prometheus text format (0.0.4), enough to read back what the
/// endpoint writes: HELP and TYPE per family, samples with labels and values.
struct PrometheusTextParser {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family: Equatable {
        var help: String?
        var type: String?
    }

    enum ParseError: Error, Equatable {
        case badLine(String)
    }

    var families: [String: Family] = [:]
    var samples: [Sample] = []

    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                guard let space = rest.firstIndex(of: " ") else { throw ParseError.badLine(String(line)) }
                families[String(rest[..<space]), default: Family()].help = Self.unescape(rest[rest.index(after: space)...])
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst("# TYPE ".count).split(separator: " ")
                guard parts.count == 2, ["counter", "gauge", "untyped", "summary", "histogram"].contains(parts[1]) else {
                    throw ParseError.badLine(String(line))
                }
                guard families[String(parts[0])]?.type == nil else { throw ParseError.badLine(String(line)) }
                families[String(parts[0]), default: Family()].type = String(parts[1])
            } else if line.hasPrefix("#") {
                continue
            } else {
                samples.append(try Self.sample(line))
            }
        }
    }

    private static func sample(_ line: Substring) throws -> Sample {
        var rest = line[...]
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard !name.isEmpty else { throw ParseError.badLine(String(line)) }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let labelName = rest.prefix { $0 != "=" }
                rest = rest.dropFirst(labelName.count)
                guard rest.hasPrefix("=\"") else { throw ParseError.badLine(String(line)) }
                rest = rest.dropFirst(2)
                var value = ""
                while true {
                    guard let character = rest.first else { throw ParseError.badLine(String(line)) }
                    rest = rest.dropFirst()
                    if character == "\\" {
                        guard let escaped = rest.first else { throw ParseError.badLine(String(line)) }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: throw ParseError.badLine(String(line))
                        }
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
                labels[String(labelName)] = value
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw ParseError.badLine(String(line)) }
        let valueText = rest.dropFirst()
        let value: Double? = switch valueText {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(valueText)
        }
        guard let value else { throw ParseError.badLine(String(line)) }
        return Sample(name: String(name), labels: labels, value: value)
    }

    private static func unescape(_ text: Substring) -> String {
        var result = ""
        var isEscaped = false
        for character in text {
            if isEscaped {
                result.append(character == "n" ? "\n" : character)
                isEscaped = false
            } else if character == "\\" {
                isEscaped = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }
}
