import CYAML

/// One libyaml parser event, copied out of C memory.
enum YAMLEvent {
    case streamStart
    case streamEnd
    case documentStart(YAMLMark)
    case documentEnd
    case alias(anchor: String, mark: YAMLMark)
    case scalar(YAMLScalar, anchor: String?)
    case sequenceStart(anchor: String?, mark: YAMLMark)
    case sequenceEnd
    case mappingStart(anchor: String?, mark: YAMLMark)
    case mappingEnd
}

/// libyaml's event parser over one UTF-8 text. Owns the `yaml_parser_t` and a copy of the
/// input (libyaml reads it in place until the parser is deleted); both are freed in `deinit`.
/// Not `Sendable`: one composition, one thread.
final class YAMLEventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    init(text: String) throws(YAMLError) {
        // Set up in locals first: a throw before the properties are set runs no `deinit`.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            throw .malformed(reason: "libyaml could not allocate a parser", mark: nil)
        }
        // One byte more than the text, so the buffer has an address even for empty text
        // (`yaml_parser_set_input_string` asserts a non-null input).
        let utf8 = text.utf8
        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: utf8.count + 1)
        _ = input.initialize(from: utf8)
        input[utf8.count] = 0
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, utf8.count)
        self.parser = parser
        self.input = input
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or the parser's error with its position.
    func next() throws(YAMLError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw currentError() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_STREAM_END_EVENT: return .streamEnd
        case YAML_DOCUMENT_START_EVENT: return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", mark: mark)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            // Quoted or block scalars without a tag are strings; an explicit tag (`!!int`,
            // `!`) is kept as written; only a plain untagged scalar is typed by its text.
            let tag: YAMLTag
            if data.quoted_implicit == 1 {
                tag = .str
            } else if let explicit = Self.string(data.tag) {
                tag = YAMLTag(name: explicit)
            } else {
                tag = .resolving(plain: text)
            }
            let scalar = YAMLScalar(string: text, isPlain: data.style == YAML_PLAIN_SCALAR_STYLE, tagName: tag, mark: mark)
            return .scalar(scalar, anchor: Self.string(data.anchor))
        case YAML_SEQUENCE_START_EVENT:
            return .sequenceStart(anchor: Self.string(event.data.sequence_start.anchor), mark: mark)
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            return .mappingStart(anchor: Self.string(event.data.mapping_start.anchor), mark: mark)
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default:
            // libyaml never returns YAML_NO_EVENT from a successful parse.
            preconditionFailure("libyaml returned event type \(event.type.rawValue)")
        }
    }

    /// The parser's error state, read straight after the failed `yaml_parser_parse`.
    private func currentError() -> YAMLError {
        let state = parser.pointee
        switch state.error {
        case YAML_MEMORY_ERROR:
            return .malformed(reason: "libyaml ran out of memory", mark: nil)
        case YAML_READER_ERROR:
            // A reader error (a control character, say) carries a byte offset, not a mark.
            return .malformed(reason: state.problem.map { String(cString: $0) } ?? "unreadable input", mark: nil)
        default:
            let reason = [state.context, state.problem].compactMap { $0.map { String(cString: $0) } }
                .filter { !$0.isEmpty }.joined(separator: ": ")
            return .malformed(reason: reason, mark: YAMLMark(state.problem_mark))
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

extension YAMLMark {
    /// libyaml counts lines and columns from 0.
    init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
