import Foundation
import SiftCore
import SiftEngine
import SiftTokenizers

// Domain vocabulary for a WordPiece model (Sachidananda et al. 2021: adding frequent domain tokens
// recovers most of domain pretraining's gain). Mining counts the words the tokenizer sees after
// normalization and pre-tokenization; a word that becomes [UNK] (a CJK character outside the
// vocabulary is such a word on its own) or splits into many pieces becomes a whole-word vocabulary
// entry appended after the last id, so every existing id keeps its meaning. Its embedding row
// starts as the mean of the rows of the pieces the old tokenizer gave it (the mean of all rows when
// it gave only [UNK]). The folder written is an ordinary Hugging Face folder: vocab.txt and
// tokenizer.json grow by the same entries, config.json's vocab_size and the embedding matrix too.

/// What `sift vocab extend` mines and how much it adds.
public struct VocabularyMiningOptions: Sendable, Equatable {
    /// A word must occur this often in the corpus.
    public var minCount = 5
    /// At most this many new entries (the most frequent first).
    public var maxNew = 5000
    /// Words the tokenizer splits into at least this many pieces are candidates too (nil: only
    /// words that become [UNK]).
    public var minPieces: Int? = 4
    public init() {}

    public func validate() throws {
        guard minCount >= 1 else { throw TrainError.badOption("--min-count must be at least 1, found \(minCount)") }
        guard maxNew >= 1 else { throw TrainError.badOption("--max-new must be at least 1, found \(maxNew): nothing would be added") }
        if let p = minPieces, p < 2 { throw TrainError.badOption("--min-pieces must be at least 2 (a word of one piece is in the vocabulary), found \(p)") }
    }
}

/// Why a word is proposed.
public enum VocabularyGap: String, Sendable, Codable {
    /// The tokenizer gives [UNK] for it: its text never reaches the model.
    case unknown
    /// The tokenizer splits it into `minPieces` or more pieces.
    case fragmented
}

/// One proposed entry.
public struct VocabularyCandidate: Sendable, Equatable {
    /// The normalized word, as it becomes a vocabulary entry.
    public var token: String
    public var count: Int
    public var gap: VocabularyGap
    /// The ids the old tokenizer gives it (its embedding's initialization).
    public var oldIds: [Int32]
}

/// Counts over a corpus, and the entries chosen from them.
public struct VocabularyMining: Sendable {
    public var texts = 0
    /// Model tokens over the corpus with the old vocabulary, and how many were [UNK].
    public var tokens = 0
    public var unknownTokens = 0
    /// Chosen entries: unknown words by count, then fragmented words by count (ties by text).
    public var candidates: [VocabularyCandidate] = []
    /// Candidates at --min-count that --max-new left out.
    public var leftOut = 0

    /// The corpus's tokens and [UNK]s with the chosen entries added: each chosen word becomes one token.
    public var tokensAfter: Int { tokens - candidates.reduce(0) { $0 + $1.count * ($1.oldIds.count - 1) } }
    public var unknownAfter: Int { unknownTokens - candidates.filter { $0.gap == .unknown }.reduce(0) { $0 + $1.count } }
}

public enum VocabularyExtension {
    /// The WordPiece model of a tokenizer, or an error naming what it is instead.
    static func wordPiece(_ tokenizer: Tokenizer, directory: URL) throws -> WordPiece {
        guard case .wordPiece(let wp) = tokenizer.model else {
            throw TrainError.badInput("\(directory.path): vocabulary extension needs a WordPiece (BERT-style) tokenizer; this one is \(tokenizer.model.kindName)")
        }
        return wp
    }

    /// Counts the corpus's words and picks the entries to add.
    public static func mine(_ texts: some Sequence<String>, tokenizer: Tokenizer, options: VocabularyMiningOptions) -> VocabularyMining {
        var result = VocabularyMining()
        var counts: [String: (count: Int, ids: [Int32])] = [:]
        let unk = tokenizer.unkTokenId
        for text in texts {
            result.texts += 1
            for word in tokenizer.words(text) {
                result.tokens += word.ids.count
                let unknown = word.ids == [unk]
                if unknown { result.unknownTokens += 1 }
                guard unknown || options.minPieces.map({ word.ids.count >= $0 }) == true else { continue }
                counts[word.text, default: (0, word.ids)].count += 1
            }
        }
        let maxChars: Int
        if case .wordPiece(let wp) = tokenizer.model { maxChars = wp.maxInputCharsPerWord } else { maxChars = Int.max }
        let eligible = counts.filter { $0.value.count >= options.minCount && $0.key.unicodeScalars.count <= maxChars }
            .map { VocabularyCandidate(token: $0.key, count: $0.value.count, gap: $0.value.ids == [unk] ? .unknown : .fragmented,
                                       oldIds: $0.value.ids) }
            .sorted { a, b in
                if a.gap != b.gap { return a.gap == .unknown }
                return a.count != b.count ? a.count > b.count : a.token < b.token
            }
        result.candidates = Array(eligible.prefix(options.maxNew))
        result.leftOut = eligible.count - result.candidates.count
        return result
    }

    /// Writes `base` with `tokens` appended to its vocabulary into `out` (which must not hold a
    /// model): vocab.txt, tokenizer.json's WordPiece vocabulary, config.json's vocab_size and
    /// the word-embedding matrix grow together; every other file of the base is copied. The
    /// folder is assembled beside `out` and renamed into place, so `out` is either absent or whole.
    /// Returns the new vocabulary size.
    @discardableResult
    public static func write(base: URL, adding candidates: [VocabularyCandidate], to out: URL) throws -> Int {
        let fm = FileManager.default
        let tokenizer = try Tokenizer(directory: base)
        let wp = try wordPiece(tokenizer, directory: base)
        guard !candidates.isEmpty else { throw TrainError.badInput("nothing to add to \(base.path)'s vocabulary") }
        let oldSize = wp.vocab.count
        var seen = Set(wp.vocab)
        for t in tokenizer.addedTokens { seen.insert(t.content) }
        for c in candidates {
            guard !c.token.isEmpty, !c.token.contains(where: \.isWhitespace) else {
                throw TrainError.badInput("'\(c.token)' cannot be a WordPiece entry (empty or with spaces)")
            }
            guard seen.insert(c.token).inserted else {
                throw TrainError.badInput("'\(c.token)' is already in \(base.path)'s vocabulary (or given twice)")
            }
        }
        if let t = tokenizer.addedTokens.first(where: { Int($0.id) >= oldSize }) {
            throw TrainError.badInput("\(base.path): added token '\(t.content)' has id \(t.id), past the vocabulary (\(oldSize)); new entries would collide with it")
        }
        if fm.fileExists(atPath: out.appendingPathComponent("config.json").path) || fm.fileExists(atPath: out.appendingPathComponent("vocab.txt").path) {
            throw TrainError.badOption("\(out.path) already holds a model; write the extended model to a new folder")
        }
        guard base.standardizedFileURL.path != out.standardizedFileURL.path else {
            throw TrainError.badOption("--out is the base folder; write the extended model to a new folder")
        }
        let model = try BertModel.load(directory: base)
        guard model.config.vocabSize == oldSize else {
            throw TrainError.badInput("\(base.path): config.json's vocab_size is \(model.config.vocabSize) but the tokenizer has \(oldSize) entries; extending would misalign ids")
        }

        // The new model: the base's tensors, the embedding matrix grown.
        var cfg = model.config
        cfg.vocabSize = oldSize + candidates.count
        let grown = BertModel(config: cfg, pooler: model.layout.hasPooler && model.head == .none, head: model.head)
        let C = cfg.hiddenSize
        let wordEmbeddings = model.naming.name(of: .wordEmbeddings)
        for e in grown.layout.entries {
            guard let src = model.parameters[e.name] else { throw TrainError.badInput("\(base.path): no \(e.name) to copy") }
            let dst = grown.parameters.base + e.offset
            if e.name == wordEmbeddings {
                dst.update(from: src.baseAddress!, count: oldSize * C)
                var mean = [Float](repeating: 0, count: C)
                for r in 0..<oldSize { for j in 0..<C { mean[j] += src[r * C + j] } }
                for j in 0..<C { mean[j] /= Float(oldSize) }
                for (k, c) in candidates.enumerated() {
                    let row = dst + (oldSize + k) * C
                    let pieces = c.oldIds.filter { $0 != tokenizer.unkTokenId && Int($0) < oldSize }
                    if pieces.isEmpty { row.update(from: mean, count: C); continue }
                    row.update(repeating: 0, count: C)
                    for p in pieces { for j in 0..<C { row[j] += src[Int(p) * C + j] } }
                    for j in 0..<C { row[j] /= Float(pieces.count) }
                }
            } else {
                dst.update(from: src.baseAddress!, count: e.count)
            }
        }

        let staging = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            // Everything of the base but what changes (sentence-transformers modules included).
            let replaced: Set<String> = ["model.safetensors", "config.json", "vocab.txt", "tokenizer.json"]
            for name in try fm.contentsOfDirectory(atPath: base.path) where !replaced.contains(name) && !name.hasPrefix(".") {
                try fm.copyItem(at: base.appendingPathComponent(name), to: staging.appendingPathComponent(name))
            }
            let entries = candidates.map(\.token)
            if fm.fileExists(atPath: base.appendingPathComponent("vocab.txt").path) || !fm.fileExists(atPath: base.appendingPathComponent("tokenizer.json").path) {
                try Data((wp.vocab + entries).map { $0 + "\n" }.joined().utf8).write(to: staging.appendingPathComponent("vocab.txt"))
            }
            let tokenizerJSON = base.appendingPathComponent("tokenizer.json")
            if fm.fileExists(atPath: tokenizerJSON.path) {
                guard var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: tokenizerJSON)) as? [String: Any],
                      var modelDoc = doc["model"] as? [String: Any], var vocab = modelDoc["vocab"] as? [String: Any] else {
                    throw TrainError.badInput("\(tokenizerJSON.path): no model.vocab object")
                }
                for (k, t) in entries.enumerated() { vocab[t] = oldSize + k }
                modelDoc["vocab"] = vocab
                doc["model"] = modelDoc
                try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .withoutEscapingSlashes])
                    .write(to: staging.appendingPathComponent("tokenizer.json"))
            }
            try grown.save(directory: staging)
            // The base's config.json with vocab_size changed: keys Sift does not model survive.
            let configURL = base.appendingPathComponent("config.json")
            if var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any] {
                doc["vocab_size"] = cfg.vocabSize
                try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                    .write(to: staging.appendingPathComponent("config.json"))
            }
            if fm.fileExists(atPath: out.path) {
                // An empty (or model-less) folder the user made: move the finished files in.
                // config.json last: until it lands the folder does not load as a model.
                for name in try fm.contentsOfDirectory(atPath: staging.path).sorted(by: { ($0 == "config.json" ? 1 : 0, $0) < ($1 == "config.json" ? 1 : 0, $1) }) {
                    let dst = out.appendingPathComponent(name)
                    try? fm.removeItem(at: dst)
                    try fm.moveItem(at: staging.appendingPathComponent(name), to: dst)
                }
                try fm.removeItem(at: staging)
            } else {
                try fm.moveItem(at: staging, to: out)
            }
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
        return cfg.vocabSize
    }
}
