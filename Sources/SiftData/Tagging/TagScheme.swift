/// The prefix letters that tagging schemes put before an entity type (`B-PER`).
public enum TagPrefix: Character, Sendable, CaseIterable, Hashable {
    case begin = "B", inside = "I", end = "E", single = "S", last = "L", unit = "U"
}

/// How prefixes mark where an entity starts and ends, with the names seqeval uses.
///
/// | scheme | prefixes | rule Sift validates |
/// |---|---|---|
/// | `iob1` | B I | B-X only right after I-X or B-X (it separates two adjacent X entities) |
/// | `iob2` | B I | I-X only right after B-X or I-X (every entity starts with B) |
/// | `ioe1` | I E | E-X only right before I-X or E-X (it separates two adjacent X entities) |
/// | `ioe2` | I E | I-X only right before I-X or E-X (every entity ends with E) |
/// | `iobes` | B I E S | B-X and I-X are followed by I-X or E-X; I-X and E-X follow B-X or I-X |
/// | `bilou` | B I L U | as IOBES with L for E and U for S |
public enum TagScheme: String, Sendable, Codable, CaseIterable, Hashable {
    case iob1, iob2, ioe1, ioe2, iobes, bilou

    /// The prefixes the scheme uses, in the order `TagLabels.build` lists them per type.
    public var prefixes: [TagPrefix] {
        switch self {
        case .iob1, .iob2: [.begin, .inside]
        case .ioe1, .ioe2: [.inside, .end]
        case .iobes: [.begin, .inside, .end, .single]
        case .bilou: [.begin, .inside, .last, .unit]
        }
    }

    /// A tag with this prefix must come right after a tag of the same type with one of these
    /// prefixes (none: it may follow anything).
    func allowedPredecessors(of prefix: TagPrefix) -> [TagPrefix] {
        switch (self, prefix) {
        case (.iob1, .begin): [.inside, .begin]
        case (.iob2, .inside), (.iobes, .inside), (.iobes, .end), (.bilou, .inside), (.bilou, .last): [.begin, .inside]
        default: []
        }
    }

    /// A tag with this prefix must come right before a tag of the same type with one of these
    /// prefixes (none: anything may follow it).
    func allowedSuccessors(of prefix: TagPrefix) -> [TagPrefix] {
        switch (self, prefix) {
        case (.ioe1, .end): [.inside, .end]
        case (.ioe2, .inside), (.iobes, .begin), (.iobes, .inside): [.inside, .end]
        case (.bilou, .begin), (.bilou, .inside): [.inside, .last]
        default: []
        }
    }
}

/// One parsed tag: `O`, or a prefix letter, a hyphen and a non-empty type (`B-PER`,
/// `I-WORK_OF_ART`; the type may itself contain hyphens: `B-PER-DERIV` has type `PER-DERIV`).
public struct EntityTag: Sendable, Hashable, CustomStringConvertible {
    /// Nil for the outside tag `O`.
    public var prefix: TagPrefix?
    /// Empty for `O`.
    public var type: String

    public static let outside = EntityTag(prefix: nil, type: "")

    public init(prefix: TagPrefix?, type: String) {
        self.prefix = prefix; self.type = type
    }

    /// Nil when `tag` is neither `O` nor `<letter>-<type>` with one of the six prefix letters.
    public init?(_ tag: String) {
        if tag == "O" { self = .outside; return }
        var scalars = tag.unicodeScalars[...]
        guard let first = scalars.popFirst(), let prefix = TagPrefix(rawValue: Character(first)),
              scalars.popFirst() == "-", !scalars.isEmpty else { return nil }
        self.prefix = prefix
        type = String(scalars)
    }

    public var isOutside: Bool { prefix == nil }

    public var description: String {
        prefix.map { "\($0.rawValue)-\(type)" } ?? "O"
    }
}
