/// Checks tags against a scheme (prefixes it allows, transitions it forbids) and, when given, a
/// label list. Problems are `DataError`s naming the file and the offending tag's line.
public struct TagValidator: Sendable {
    public var scheme: TagScheme
    /// The known tags; nil accepts every well-formed tag.
    public var labels: [String]? {
        didSet { known = labels.map(Set.init) }
    }
    private var known: Set<String>?

    public init(scheme: TagScheme = .iob2, labels: [String]? = nil) {
        self.scheme = scheme
        self.labels = labels
        known = labels.map(Set.init)
    }

    /// Checks one sentence's tags in order and throws the first problem. `lines[i]` is the line
    /// of tag i; `column` / `columnName` say where on the line the tag is (JSONL: the field).
    public func validate(tags: [String], file: String, lines: [Int], column: Int? = nil, columnName: String? = nil) throws {
        precondition(lines.count == tags.count, "one line per tag")
        func loc(_ i: Int) -> SourceLocation {
            SourceLocation(file: file, line: lines[i], column: column, columnName: columnName.map { "\($0)[\(i)]" })
        }
        var previous: EntityTag?
        for (i, raw) in tags.enumerated() {
            guard let tag = EntityTag(raw), tag.prefix.map(scheme.prefixes.contains) ?? true else {
                throw DataError.malformedTag(loc(i), tag: raw, scheme: scheme)
            }
            if let known, !known.contains(raw) { throw DataError.unknownTag(loc(i), tag: raw, known: labels ?? []) }
            if i > 0 { try checkSuccessor(of: previous!, tags[i - 1], next: tag, raw, at: loc(i - 1)) }
            if let p = tag.prefix {
                let allowed = scheme.allowedPredecessors(of: p)
                if !allowed.isEmpty, !(previous.map { $0.type == tag.type && $0.prefix.map(allowed.contains) == true } ?? false) {
                    throw DataError.invalidTagTransition(loc(i), tag: raw, neighbour: .previous(i > 0 ? tags[i - 1] : nil),
                                                         allowed: allowed.map { "\($0.rawValue)-\(tag.type)" }, scheme: scheme)
                }
            }
            previous = tag
        }
        if let last = previous { try checkSuccessor(of: last, tags[tags.count - 1], next: nil, nil, at: loc(tags.count - 1)) }
    }

    private func checkSuccessor(of tag: EntityTag, _ raw: String, next: EntityTag?, _ nextRaw: String?, at loc: SourceLocation) throws {
        guard let p = tag.prefix else { return }
        let allowed = scheme.allowedSuccessors(of: p)
        guard !allowed.isEmpty else { return }
        if let next, next.type == tag.type, let np = next.prefix, allowed.contains(np) { return }
        throw DataError.invalidTagTransition(loc, tag: raw, neighbour: .next(nextRaw),
                                             allowed: allowed.map { "\($0.rawValue)-\(tag.type)" }, scheme: scheme)
    }

    /// A sentence read from `file`: CoNLL names each tag's own line and the tag column.
    public func validate(_ sentence: TaggedSentence, file: String, column: Int? = nil, columnName: String? = nil) throws {
        try validate(tags: sentence.tags, file: file, lines: sentence.wordLines, column: column, columnName: columnName)
    }

    /// Span labels are entity types: with a label list, each must have a tag there
    /// (`PER` needs `B-PER` or any other `?-PER`).
    public func validate(_ text: SpanAnnotatedText, file: String) throws {
        guard let labels else { return }
        let types = Set(labels.compactMap { EntityTag($0).flatMap { $0.isOutside ? nil : $0.type } })
        for (i, s) in text.spans.enumerated() where !types.contains(s.label) {
            throw DataError.unknownTag(SourceLocation(file: file, line: text.line, columnName: "entities[\(i)].label"), tag: s.label, known: labels)
        }
    }

    /// Either form of example.
    public func validate(_ example: TaggedExample, file: String) throws {
        switch example {
        case .words(let s): try validate(s, file: file)
        case .spans(let t): try validate(t, file: file)
        }
    }
}
