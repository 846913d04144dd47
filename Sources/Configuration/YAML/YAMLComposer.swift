/// Composes YAML text into one document's node tree from libyaml's events.
///
/// The tree is built with an explicit stack, not recursion, and nesting is capped, so a
/// deeply nested input is an error rather than a stack overflow. Aliases resolve to the
/// anchored node, whose storage they share: a "billion laughs" document of nested aliases
/// composes in memory linear in its text.
enum YAMLComposer {
    /// Deeper than any configuration needs, shallow enough that walking or freeing a tree
    /// this deep cannot exhaust a thread's stack.
    static let maximumDepth = 64

    /// The single document in `text`, or nil for an empty stream (no document at all).
    static func compose(_ text: String) throws(YAMLError) -> YAMLNode? {
        let reader = try YAMLEventReader(text: text)
        guard case .streamStart = try reader.next() else { preconditionFailure("libyaml starts with STREAM-START") }
        guard case .documentStart = try reader.next() else { return nil }  // STREAM-END: empty
        let root = try composeDocument(from: reader)
        if case .documentStart(let mark) = try reader.next() {
            throw .malformed(reason: "expected a single document in the stream: but found another document", mark: mark)
        }
        return root
    }

    /// A collection whose items are still arriving; a mapping's items alternate key, value.
    private struct Open {
        var isMapping: Bool
        var mark: YAMLMark
        var anchor: String?
        var items: [YAMLNode] = []

        var node: YAMLNode {
            guard isMapping else { return .sequence(YAMLSequence(items: items, mark: mark)) }
            let pairs = stride(from: 0, to: items.count - 1, by: 2).map { (key: items[$0], value: items[$0 + 1]) }
            return .mapping(YAMLMapping(pairs: pairs, mark: mark))
        }
    }

    /// Reads events up to and including the document's end.
    private static func composeDocument(from reader: YAMLEventReader) throws(YAMLError) -> YAMLNode {
        var anchors: [String: YAMLNode] = [:]
        var open: [Open] = []
        while true {
            let complete: YAMLNode
            switch try reader.next() {
            case .scalar(let scalar, let anchor):
                complete = .scalar(scalar)
                if let anchor { anchors[anchor] = complete }
            case .alias(let anchor, let mark):
                guard let node = anchors[anchor] else { throw .malformed(reason: "found undefined alias", mark: mark) }
                complete = node
            case .sequenceStart(let anchor, let mark):
                try checkDepth(open.count, at: mark)
                open.append(Open(isMapping: false, mark: mark, anchor: anchor))
                continue
            case .mappingStart(let anchor, let mark):
                try checkDepth(open.count, at: mark)
                open.append(Open(isMapping: true, mark: mark, anchor: anchor))
                continue
            case .sequenceEnd, .mappingEnd:
                guard let finished = open.popLast() else { preconditionFailure("libyaml closed a collection it never opened") }
                complete = finished.node
                if case .mapping(let mapping) = complete { try checkDuplicateKeys(mapping) }
                if let anchor = finished.anchor { anchors[anchor] = complete }
            case .streamStart, .streamEnd, .documentStart, .documentEnd:
                preconditionFailure("libyaml sent a stream or document event inside a document")
            }
            if open.isEmpty {
                guard case .documentEnd = try reader.next() else { preconditionFailure("libyaml ends a document with DOCUMENT-END") }
                return complete
            }
            open[open.count - 1].items.append(complete)
        }
    }

    private static func checkDepth(_ depth: Int, at mark: YAMLMark) throws(YAMLError) {
        guard depth < maximumDepth else {
            throw .malformed(reason: "lists and mappings are nested more than \(maximumDepth) deep", mark: mark)
        }
    }

    /// Refuses a mapping that repeats a scalar key (same text and tag). Keys that are
    /// themselves collections are left to the schema, which accepts only scalar keys.
    private static func checkDuplicateKeys(_ mapping: YAMLMapping) throws(YAMLError) {
        struct Key: Hashable { var string: String; var tag: YAMLTag }
        var first: [Key: YAMLMark] = [:]
        var repeated: Set<Key> = []
        for (key, _) in mapping.pairs {
            guard let scalar = key.scalar else { continue }
            let identity = Key(string: scalar.string, tag: scalar.tagName)
            if first[identity] == nil { first[identity] = scalar.mark } else { repeated.insert(identity) }
        }
        guard let lowest = repeated.min(by: { $0.string < $1.string }), let mark = first[lowest] else { return }
        throw .duplicateKeys(names: repeated.map(\.string).sorted(), mark: mark)
    }
}
