import SiftData

/// An entity found in a tag sequence: tokens `start..<end` of one sentence.
public struct EntityChunk: Sendable, Hashable, Codable {
    public var type: String
    public var start: Int
    public var end: Int

    public init(type: String, start: Int, end: Int) {
        self.type = type; self.start = start; self.end = end
    }
}

/// Entities in tag sequences, read exactly as seqeval 1.2.2 reads them.
///
/// Lenient (`get_entities`, conlleval's rules): the first character of a tag is its prefix
/// and what follows the first `-` its type (`_` when empty); with `suffix` the last character
/// and what precedes the last `-`. Any prefix letter is accepted: B and S start a chunk, I and
/// E after O/E/S start one, E and S end one, a change of type ends and starts one, and `.`
/// (conlleval's "skip") neither starts nor ends. Strict (`seqeval.scheme`): the scheme's start,
/// inside and end patterns; a chunk counts only if it is properly closed, and a prefix the
/// scheme does not allow is an error. Types are compared code point by code point, as Python
/// compares strings (`Café` composed and decomposed are two types).
public enum EntityChunks {
    /// The entities of one sentence, lenient reading.
    public static func lenient(_ tags: [String], suffix: Bool = false) throws(EntityMetricsError) -> [EntityChunk] {
        var types = TypeTable()
        let parsed = try LenientTag.parse(tags, sentence: 0, side: nil, suffix: suffix, types: &types)
        return lenientChunks(parsed + [LenientTag.outside(&types)]).map {
            EntityChunk(type: types.names[$0.type], start: $0.start, end: $0.end)
        }
    }

    /// The entities of one sentence under `scheme`, strict reading.
    public static func strict(_ tags: [String], scheme: TagScheme, suffix: Bool = false) throws(EntityMetricsError) -> [EntityChunk] {
        var types = TypeTable()
        let parsed = try StrictTag.parse(tags, sentence: 0, side: nil, scheme: scheme, suffix: suffix, types: &types)
        return strictChunks(parsed, rules: StrictRules.of(scheme), outside: StrictTag.outside(&types)).map {
            EntityChunk(type: types.names[$0.type], start: $0.start, end: $0.end)
        }
    }

    // MARK: Lenient (seqeval.metrics.sequence_labeling.get_entities)

    /// A chunk by interned type; `end` exclusive.
    struct Chunk: Hashable { var type: Int; var start: Int; var end: Int }

    /// `start_of_chunk` / `end_of_chunk` over one flat sequence, which must end with an `O`
    /// (seqeval appends it). seqeval flattens a corpus into one sequence with an `O` between
    /// sentences, so the metrics call this on that flat sequence: a chunk left open by `.`
    /// runs into the next sentence there, and counting must see the same.
    static func lenientChunks(_ seq: [LenientTag]) -> [Chunk] {
        var chunks: [Chunk] = []
        var prevTag: Unicode.Scalar = "O"
        var prevType = -1   // seqeval's initial '' differs from every type
        var begin = 0
        for (i, t) in seq.enumerated() {
            let tag = t.prefix
            var ends = prevTag == "E" || prevTag == "S"
            if (prevTag == "B" || prevTag == "I") && (tag == "B" || tag == "S" || tag == "O") { ends = true }
            if prevTag != "O" && prevTag != "." && prevType != t.type { ends = true }
            if ends { chunks.append(Chunk(type: prevType, start: begin, end: i)) }
            var starts = tag == "B" || tag == "S"
            if (prevTag == "E" || prevTag == "S" || prevTag == "O") && (tag == "E" || tag == "I") { starts = true }
            if tag != "O" && tag != "." && prevType != t.type { starts = true }
            if starts { begin = i }
            prevTag = tag
            prevType = t.type
        }
        return chunks
    }

    /// Chunks of a whole corpus flattened as seqeval flattens it (an `O` after every sentence,
    /// one more at the end), in that flat sequence's positions.
    static func lenientCorpus(_ seqs: [[String]], side: EntityMetricsError.Side?, suffix: Bool,
                              types: inout TypeTable) throws(EntityMetricsError) -> [Chunk] {
        let outside = LenientTag.outside(&types)
        var flat: [LenientTag] = []
        flat.reserveCapacity(seqs.reduce(1) { $0 + $1.count + 1 })
        for (i, s) in seqs.enumerated() {
            flat += try LenientTag.parse(s, sentence: i, side: side, suffix: suffix, types: &types)
            flat.append(outside)
        }
        flat.append(outside)
        return lenientChunks(flat)
    }

    // MARK: Strict (seqeval.scheme.Tokens.entities)

    /// Entities of one sentence; `end` exclusive.
    static func strictChunks(_ tokens: [StrictTag], rules: StrictRules, outside: StrictTag) -> [Chunk] {
        let ext = tokens + [outside]
        func forward(_ start: Int, _ prev: StrictTag) -> Int {
            var prev = prev
            for j in start..<ext.count {
                guard rules.inside.matches(prev, ext[j]) else { return j }
                prev = ext[j]
            }
            return tokens.count - 1   // unreachable: the outside token is never inside
        }
        var out: [Chunk] = []
        var i = 0
        var prev = outside
        while i < ext.count {
            let token = ext[i]
            if rules.start.matches(prev, token) {
                let end = forward(i + 1, token)
                if rules.end.matches(ext[end - 1], ext[end]) { out.append(Chunk(type: token.type, start: i, end: end)) }
                i = end
            } else {
                i += 1
            }
            prev = ext[i - 1]
        }
        return out
    }
}

/// Entity types interned by their code points: Swift's `==` on String is canonical
/// equivalence, Python's is code points, and seqeval's figures follow Python's.
struct TypeTable {
    private var ids: [[UInt8]: Int] = [:]
    private(set) var names: [String] = []

    mutating func id(_ scalars: some Collection<Unicode.Scalar>) -> Int {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: scalars)
        let name = String(v)
        let key = Array(name.utf8)
        if let id = ids[key] { return id }
        ids[key] = names.count
        names.append(name)
        return names.count - 1
    }

    /// Type ids in Python's `sorted` order (code points).
    func sorted(_ ids: some Sequence<Int>) -> [Int] {
        ids.sorted { names[$0].unicodeScalars.lexicographicallyPrecedes(names[$1].unicodeScalars) }
    }
}

/// A tag as `get_entities` splits it.
struct LenientTag {
    var prefix: Unicode.Scalar
    var type: Int

    static func outside(_ types: inout TypeTable) -> LenientTag { LenientTag(prefix: "O", type: types.id("_".unicodeScalars)) }

    static func parse(_ tags: [String], sentence: Int, side: EntityMetricsError.Side?, suffix: Bool,
                      types: inout TypeTable) throws(EntityMetricsError) -> [LenientTag] {
        var out: [LenientTag] = []
        out.reserveCapacity(tags.count)
        for (i, tag) in tags.enumerated() {
            let s = Array(tag.unicodeScalars)
            guard let first = s.first, let last = s.last else { throw .emptyTag(side, sentence: sentence, token: i) }
            var type: ArraySlice<Unicode.Scalar>
            if suffix {
                // chunk[:-1].rsplit('-', maxsplit=1)[0]
                let head = s[..<(s.count - 1)]
                type = head.lastIndex(of: "-").map { head[..<$0] } ?? head
            } else {
                // chunk[1:].split('-', maxsplit=1)[-1]
                let rest = s[1...]
                type = rest.firstIndex(of: "-").map { rest[($0 + 1)...] } ?? rest
            }
            if type.isEmpty { type = ["_"] }
            out.append(LenientTag(prefix: suffix ? last : first, type: types.id(type)))
        }
        return out
    }
}

/// A tag as `seqeval.scheme.Token` reads it.
struct StrictTag {
    /// One bit per prefix letter, as seqeval's `Prefix` flags.
    var prefix: UInt8
    var type: Int

    static let i: UInt8 = 1, o: UInt8 = 2, b: UInt8 = 4, e: UInt8 = 8, s: UInt8 = 16, u: UInt8 = 32, l: UInt8 = 64
    static let any: UInt8 = 127

    static func bit(_ c: Unicode.Scalar) -> UInt8? {
        switch c {
        case "I": i
        case "O": o
        case "B": b
        case "E": e
        case "S": s
        case "U": u
        case "L": l
        default: nil
        }
    }

    static func outside(_ types: inout TypeTable) -> StrictTag { StrictTag(prefix: o, type: types.id("_".unicodeScalars)) }

    static func parse(_ tags: [String], sentence: Int, side: EntityMetricsError.Side?, scheme: TagScheme, suffix: Bool,
                      types: inout TypeTable) throws(EntityMetricsError) -> [StrictTag] {
        let allowed = StrictRules.of(scheme).allowed
        var out: [StrictTag] = []
        out.reserveCapacity(tags.count)
        for (i, tag) in tags.enumerated() {
            let s = Array(tag.unicodeScalars)
            guard !s.isEmpty else { throw .emptyTag(side, sentence: sentence, token: i) }
            // Prefixes[token[0]] raises KeyError for other letters; is_valid() ValueError for
            // a letter the scheme does not use.
            guard let p = bit(suffix ? s[s.count - 1] : s[0]), p & allowed != 0 else {
                throw .invalidTag(side, sentence: sentence, token: i, tag: tag, scheme: scheme)
            }
            // (token[:-1] or token[1:]).strip('-') or '_'
            var rest = suffix ? s[..<(s.count - 1)] : s[1...]
            while rest.first == "-" { rest.removeFirst() }
            while rest.last == "-" { rest.removeLast() }
            out.append(StrictTag(prefix: p, type: types.id(rest.isEmpty ? ["_"] : rest)))
        }
        return out
    }
}

/// seqeval.scheme's start / inside / end patterns: (previous prefixes, current prefixes,
/// same / different / any type).
struct StrictRules {
    enum Types { case same, different, any }
    struct Patterns {
        var list: [(prev: UInt8, cur: UInt8, types: Types)]
        func matches(_ prev: StrictTag, _ cur: StrictTag) -> Bool {
            list.contains { p in
                prev.prefix & p.prev != 0 && cur.prefix & p.cur != 0
                    && (p.types == .any || (p.types == .same) == (prev.type == cur.type))
            }
        }
    }
    var allowed: UInt8
    var start: Patterns
    var inside: Patterns
    var end: Patterns

    static func of(_ scheme: TagScheme) -> StrictRules {
        typealias T = StrictTag
        switch scheme {
        case .iob1:
            return StrictRules(allowed: T.i | T.o | T.b,
                               start: Patterns(list: [(T.o, T.i, .any), (T.i, T.i, .different), (T.b, T.i, .any), (T.i, T.b, .same), (T.b, T.b, .same)]),
                               inside: Patterns(list: [(T.b, T.i, .same), (T.i, T.i, .same)]),
                               end: Patterns(list: [(T.i, T.i, .different), (T.i, T.o, .any), (T.i, T.b, .any), (T.b, T.o, .any), (T.b, T.i, .different), (T.b, T.b, .same)]))
        case .ioe1:
            return StrictRules(allowed: T.i | T.o | T.e,
                               start: Patterns(list: [(T.o, T.i, .any), (T.i, T.i, .different), (T.e, T.i, .any), (T.e, T.e, .same)]),
                               inside: Patterns(list: [(T.i, T.i, .same), (T.i, T.e, .same)]),
                               end: Patterns(list: [(T.i, T.i, .different), (T.i, T.o, .any), (T.i, T.e, .different), (T.e, T.i, .same), (T.e, T.e, .same)]))
        case .iob2:
            return StrictRules(allowed: T.i | T.o | T.b,
                               start: Patterns(list: [(T.any, T.b, .any)]),
                               inside: Patterns(list: [(T.b, T.i, .same), (T.i, T.i, .same)]),
                               end: Patterns(list: [(T.i, T.o, .any), (T.i, T.i, .different), (T.i, T.b, .any), (T.b, T.o, .any), (T.b, T.i, .different), (T.b, T.b, .any)]))
        case .ioe2:
            return StrictRules(allowed: T.i | T.o | T.e,
                               start: Patterns(list: [(T.o, T.i, .any), (T.o, T.e, .any), (T.e, T.i, .any), (T.e, T.e, .any), (T.i, T.i, .different), (T.i, T.e, .different)]),
                               inside: Patterns(list: [(T.i, T.e, .same), (T.i, T.i, .same)]),
                               end: Patterns(list: [(T.e, T.any, .any)]))
        case .iobes:
            return StrictRules(allowed: T.i | T.o | T.b | T.e | T.s,
                               start: Patterns(list: [(T.any, T.b, .any), (T.any, T.s, .any)]),
                               inside: Patterns(list: [(T.b, T.i, .same), (T.b, T.e, .same), (T.i, T.i, .same), (T.i, T.e, .same)]),
                               end: Patterns(list: [(T.s, T.any, .any), (T.e, T.any, .any)]))
        case .bilou:
            return StrictRules(allowed: T.b | T.i | T.l | T.o | T.u,
                               start: Patterns(list: [(T.any, T.b, .any), (T.any, T.u, .any)]),
                               inside: Patterns(list: [(T.b, T.i, .same), (T.b, T.l, .same), (T.i, T.i, .same), (T.i, T.l, .same)]),
                               end: Patterns(list: [(T.u, T.any, .any), (T.l, T.any, .any)]))
        }
    }
}
