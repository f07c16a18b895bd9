/// The label list of a token-classification model.
public enum TagLabels {
    /// `O` first, then for each type in code-point order (Python's `sorted`, so the order does
    /// not depend on the data's order or the platform's collation) the scheme's tags in
    /// `TagScheme.prefixes` order: IOB2 gives `O, B-LOC, I-LOC, B-PER, I-PER`.
    public static func build(types: some Sequence<String>, scheme: TagScheme = .iob2) -> [String] {
        let sorted = Set(types).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        return ["O"] + sorted.flatMap { t in scheme.prefixes.map { "\($0.rawValue)-\(t)" } }
    }

    /// Collects entity types while examples stream past, for `build`.
    public struct Collector: Sendable {
        public private(set) var types: Set<String> = []

        public init() {}

        /// Types of well-formed tags (malformed ones are the validator's business) and span labels.
        public mutating func add(_ example: TaggedExample) {
            switch example {
            case .words(let s):
                for t in s.tags { if let tag = EntityTag(t), !tag.isOutside { types.insert(tag.type) } }
            case .spans(let t):
                for s in t.spans { types.insert(s.label) }
            }
        }

        public func labels(scheme: TagScheme = .iob2) -> [String] { TagLabels.build(types: types, scheme: scheme) }
    }
}
