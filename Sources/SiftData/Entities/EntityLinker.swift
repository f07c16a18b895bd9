/// How a mention matched a dictionary entry.
public enum MatchKind: String, Sendable, Codable, CaseIterable {
    /// The normalized mention equals the normalized canonical name.
    case exact
    /// It equals a normalized alias.
    case alias
    /// Trigram similarity at or above the linker's threshold.
    case fuzzy
}

/// A mention linked to a dictionary entry.
public struct EntityLink: Sendable, Equatable, Codable {
    public var id: String
    public var type: String
    public var canonicalName: String
    /// 1 for exact and alias matches, the Dice coefficient for fuzzy ones.
    public var score: Double
    public var match: MatchKind
    /// The canonical name or alias that matched, as the dictionary writes it.
    public var matchedName: String
}

/// Links entity mentions (a model's spans) to a dictionary: exact match on the normalized
/// canonical name (score 1), else on an alias (score 1), else the most similar name by
/// character trigrams, if at least `threshold` similar.
///
/// Names and mentions are compared after `NameNormalization`. Similarity is the Dice
/// coefficient of the sets of trigrams (Unicode code points) of the normalized string padded
/// with one space on each side: 2·|A∩B| / (|A|+|B|). Padding makes word starts and ends count
/// and gives one- and two-character names (common in Chinese) at least one trigram, so CJK
/// names match like any others. With a `type`, only entries of that type are candidates
/// (compared case-insensitively: `per` is `PER`). The best score wins; an exact canonical match
/// beats an alias; ties go to the smaller id (code-point order).
///
/// Lookups go through an inverted index from trigram to names with prefix filtering: a name
/// reaching the threshold shares at least ⌈t·q/(2−t)⌉ of the mention's q trigrams, so it must
/// appear in the posting list of one of the q − that + 1 rarest ones; only those lists are
/// read, and each candidate is verified by merging its sorted trigram ids with the mention's.
public struct EntityLinker: Sendable {
    public let dictionary: EntityDictionary
    /// Lowest similarity a fuzzy match needs (inclusive), in (0, 1].
    public var threshold: Double

    private struct Name: Sendable {
        var entry: Int32
        var isAlias: Bool
        /// `gramIDs[gramStart..<gramEnd]`, ascending.
        var gramStart: Int32
        var gramEnd: Int32
        var text: String
        var gramCount: Int { Int(gramEnd - gramStart) }
    }
    private let names: [Name]
    private let exact: [String: [Int32]]
    private let gramIndex: [UInt64: Int32]
    /// Names containing each trigram, ascending.
    private let postings: [[Int32]]
    private let gramIDs: [Int32]
    /// Each entry's position in id order, for tie-breaking.
    private let idRank: [Int32]
    private let typeKeys: [String]

    public init(dictionary: EntityDictionary, threshold: Double = 0.5) {
        self.dictionary = dictionary
        self.threshold = threshold
        var names: [Name] = []
        var exact: [String: [Int32]] = [:]
        var gramIndex: [UInt64: Int32] = [:]
        var postings: [[Int32]] = []
        var gramIDs: [Int32] = []
        for (e, entry) in dictionary.entries.enumerated() {
            var seen = Set<String>()
            for (k, text) in ([entry.name] + entry.aliases).enumerated() {
                let norm = NameNormalization.normalize(text)
                // An alias equal to the name (after normalization) adds nothing.
                guard !norm.isEmpty, seen.insert(norm).inserted else { continue }
                let id = Int32(names.count)
                let ids = Self.trigrams(norm).map { g -> Int32 in
                    if let i = gramIndex[g] { return i }
                    gramIndex[g] = Int32(postings.count)
                    postings.append([])
                    return Int32(postings.count - 1)
                }.sorted()
                let start = Int32(gramIDs.count)
                gramIDs += ids
                for g in ids { postings[Int(g)].append(id) }
                names.append(Name(entry: Int32(e), isAlias: k > 0, gramStart: start, gramEnd: Int32(gramIDs.count), text: text))
                exact[norm, default: []].append(id)
            }
        }
        self.names = names
        self.exact = exact
        self.gramIndex = gramIndex
        self.postings = postings
        self.gramIDs = gramIDs
        var rank = [Int32](repeating: 0, count: dictionary.entries.count)
        let order = dictionary.entries.indices.sorted {
            dictionary.entries[$0].id.unicodeScalars.lexicographicallyPrecedes(dictionary.entries[$1].id.unicodeScalars)
        }
        for (r, e) in order.enumerated() { rank[e] = Int32(r) }
        idRank = rank
        typeKeys = dictionary.entries.map { $0.type.lowercased() }
    }

    /// The best entry for `mention`, or nil when none is similar enough.
    public func link(mention: String, type: String? = nil) -> EntityLink? {
        candidates(mention: mention, type: type, limit: 1).first
    }

    /// Up to `limit` entries, best first (exact, then alias, then fuzzy matches at or above the
    /// threshold by score), one link per entry.
    public func candidates(mention: String, type: String? = nil, limit: Int = 5) -> [EntityLink] {
        let norm = NameNormalization.normalize(mention)
        guard !norm.isEmpty, limit > 0 else { return [] }
        let typeKey = type?.lowercased()
        func typeOK(_ n: Name) -> Bool { typeKey.map { typeKeys[Int(n.entry)] == $0 } ?? true }

        // Best (score, kind) per entry; kind order exact < alias < fuzzy.
        var best: [Int32: (score: Double, kind: MatchKind, name: Int32)] = [:]
        func offer(_ n: Int32, _ score: Double, _ kind: MatchKind) {
            let e = names[Int(n)].entry
            if let b = best[e], (b.score, Self.rank(b.kind)) >= (score, Self.rank(kind)) { return }
            best[e] = (score, kind, n)
        }
        for n in exact[norm] ?? [] where typeOK(names[Int(n)]) {
            offer(n, 1, names[Int(n)].isAlias ? .alias : .exact)
        }
        for (n, dice) in fuzzyMatches(norm) where typeOK(names[Int(n)]) { offer(n, dice, .fuzzy) }
        let ranked = best.sorted { a, b in
            if a.value.score != b.value.score { return a.value.score > b.value.score }
            if a.value.kind != b.value.kind { return Self.rank(a.value.kind) > Self.rank(b.value.kind) }
            return idRank[Int(a.key)] < idRank[Int(b.key)]
        }
        return ranked.prefix(limit).map { e, m in
            let entry = dictionary.entries[Int(e)]
            return EntityLink(id: entry.id, type: entry.type, canonicalName: entry.name, score: m.score, match: m.kind,
                              matchedName: names[Int(m.name)].text)
        }
    }

    /// Names whose Dice similarity with `norm` is at least the threshold.
    private func fuzzyMatches(_ norm: String) -> [(Int32, Double)] {
        let grams = Self.trigrams(norm)
        let q = grams.count
        let known = grams.compactMap { gramIndex[$0] }.sorted()
        guard !known.isEmpty else { return [] }
        let t = min(max(threshold, Double.ulpOfOne), 1)
        // Shared trigrams a match needs at least: 2c/(q+n) ≥ t with c ≤ n gives c ≥ tq/(2−t).
        let needed = max(1, Int((t * Double(q) / (2 - t) - 1e-9).rounded(.up)))
        // Trigrams no name has are the rarest; the rest by posting-list length.
        let unknown = q - known.count
        let prefix = q - needed + 1 - unknown
        guard prefix > 0 else { return [] }
        var candidates: [Int32] = []
        for g in known.sorted(by: { postings[Int($0)].count < postings[Int($1)].count }).prefix(prefix) {
            candidates += postings[Int(g)]
        }
        candidates.sort()
        var out: [(Int32, Double)] = []
        var last: Int32 = -1
        for n in candidates where n != last {
            last = n
            let name = names[Int(n)]
            // Cheap bound first: c ≤ min(q, n).
            guard 2 * Double(min(q, name.gramCount)) / Double(q + name.gramCount) >= t else { continue }
            var c = 0, i = 0, j = Int(name.gramStart)
            let end = Int(name.gramEnd)
            while i < known.count, j < end {
                if known[i] == gramIDs[j] { c += 1; i += 1; j += 1 } else if known[i] < gramIDs[j] { i += 1 } else { j += 1 }
            }
            let dice = 2 * Double(c) / Double(q + name.gramCount)
            if dice >= threshold { out.append((n, dice)) }
        }
        return out
    }

    /// Higher is better at equal score.
    private static func rank(_ k: MatchKind) -> Int {
        switch k {
        case .exact: 2
        case .alias: 1
        case .fuzzy: 0
        }
    }

    /// Distinct trigrams of " \(s) ", three 21-bit code points packed in one integer.
    static func trigrams(_ s: String) -> Set<UInt64> {
        let u = [UInt64(0x20)] + s.unicodeScalars.map { UInt64($0.value) } + [0x20]
        var out = Set<UInt64>()
        guard u.count >= 3 else { return out }
        for i in 0...(u.count - 3) { out.insert(u[i] << 42 | u[i + 1] << 21 | u[i + 2]) }
        return out
    }
}
