/// A position in YAML text: 1-based line and column (libyaml counts columns in Unicode scalars).
struct YAMLMark: Sendable, Equatable {
    var line: Int
    var column: Int
}

/// One node of a composed YAML document. Aliases are resolved while composing: an alias is
/// the anchored node itself (its mark is the anchor's), sharing its storage, never a copy.
enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping(YAMLMapping)
    case sequence(YAMLSequence)

    /// Where the node starts in the text.
    var mark: YAMLMark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .mapping(let mapping): mapping.mark
        case .sequence(let sequence): sequence.mark
        }
    }

    var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }
}

/// A mapping's entries in document order (duplicates are refused while composing).
struct YAMLMapping: Sendable, Sequence {
    var pairs: [(key: YAMLNode, value: YAMLNode)]
    var mark: YAMLMark

    func makeIterator() -> IndexingIterator<[(key: YAMLNode, value: YAMLNode)]> {
        pairs.makeIterator()
    }
}

/// A sequence's items in document order.
struct YAMLSequence: Sendable, Sequence {
    var items: [YAMLNode]
    var mark: YAMLMark

    func makeIterator() -> IndexingIterator<[YAMLNode]> {
        items.makeIterator()
    }
}

/// A scalar: its text, whether it was written plain (unquoted, no block style), and its tag,
/// resolved at composition from the explicit tag or, for a plain scalar, from its text.
struct YAMLScalar: Sendable {
    var string: String
    var isPlain: Bool
    var tagName: YAMLTag
    var mark: YAMLMark
}

/// A YAML tag by its full name (`tag:yaml.org,2002:int`); the YAML 1.1 names are constants.
struct YAMLTag: Sendable, Hashable {
    var name: String

    static let null = YAMLTag(name: "tag:yaml.org,2002:null")
    static let bool = YAMLTag(name: "tag:yaml.org,2002:bool")
    static let int = YAMLTag(name: "tag:yaml.org,2002:int")
    static let float = YAMLTag(name: "tag:yaml.org,2002:float")
    static let str = YAMLTag(name: "tag:yaml.org,2002:str")
    static let timestamp = YAMLTag(name: "tag:yaml.org,2002:timestamp")
    static let merge = YAMLTag(name: "tag:yaml.org,2002:merge")
    static let value = YAMLTag(name: "tag:yaml.org,2002:value")
}
