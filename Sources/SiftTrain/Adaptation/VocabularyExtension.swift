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

/// A token the user adds (`sift vocab extend --tokens FILE`), as Hugging Face's `add_tokens` adds
/// it: an added token matched before the model (so the WordPiece vocabulary is untouched), with
/// its flags. Content the vocabulary or the added tokens already hold keeps its id.
public struct UserToken: Sendable, Equatable {
    public var token: AddedToken

    /// Reads FILE: one token per line as `add_tokens(["..."])` takes strings (normalized, not
    /// special, no stripping), or a JSON object per line with `content` and any of `single_word`,
    /// `lstrip`, `rstrip`, `normalized`, `special` (Hugging Face's names and defaults: normalized
    /// unless special). Blank lines are skipped; a line's spaces are part of its token.
    public static func read(_ url: URL) throws -> [UserToken] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw TrainError.badInput("\(url.path): cannot read the token list (\(error.localizedDescription))") }
        guard let text = String(data: data, encoding: .utf8) else { throw TrainError.badInput("\(url.path): not UTF-8 text") }
        var out: [UserToken] = []
        // "\r\n" is one Character, so lines split on any newline character.
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(raw)
            if line.allSatisfy(\.isWhitespace) { continue }
            let place = "\(url.path):\(i + 1)"
            guard line.hasPrefix("{") else {
                out.append(UserToken(token: AddedToken(content: line, id: -1, special: false, normalized: true)))
                continue
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw TrainError.badInput("\(place): a line starting with { must be one JSON object")
            }
            let known: Set<String> = ["content", "single_word", "lstrip", "rstrip", "normalized", "special"]
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw TrainError.badInput("\(place): unknown field \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
            }
            struct Entry: Decodable {
                var content: String
                var single_word, lstrip, rstrip, normalized, special: Bool?
            }
            let entry: Entry
            do { entry = try JSONDecoder().decode(Entry.self, from: Data(line.utf8)) } catch let DecodingError.typeMismatch(_, context) {
                throw TrainError.badInput("\(place): \"\(context.codingPath.first?.stringValue ?? "?")\" has the wrong type (content: a string; flags: true or false)")
            } catch {
                throw TrainError.badInput("\(place): \"content\" (a string) is missing")
            }
            guard !entry.content.isEmpty else { throw TrainError.badInput("\(place): \"content\" is empty") }
            let special = entry.special ?? false
            out.append(UserToken(token: AddedToken(content: entry.content, id: -1, singleWord: entry.single_word ?? false,
                                                   lstrip: entry.lstrip ?? false, rstrip: entry.rstrip ?? false,
                                                   special: special, normalized: entry.normalized ?? !special)))
        }
        guard !out.isEmpty else { throw TrainError.badInput("\(url.path): no tokens (one per line)") }
        return out
    }
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

    /// Writes `base` with `candidates` appended to its WordPiece vocabulary and `userTokens` added
    /// as Hugging Face added tokens into `out` (which must not hold a model): vocab.txt,
    /// tokenizer.json (WordPiece vocabulary and `added_tokens`), tokenizer_config.json's
    /// `added_tokens_decoder`, config.json's vocab_size and the word-embedding matrix grow together;
    /// every other file of the base is copied. Ids follow `tokenizers`' `add_tokens`: content the
    /// vocabulary or an added token already has keeps that id, a new one takes the next id after
    /// the vocabulary (or after the highest added id past it). The folder is assembled beside
    /// `out` and renamed into place, so `out` is either absent or whole.
    @discardableResult
    public static func write(base: URL, adding candidates: [VocabularyCandidate], userTokens: [UserToken] = [],
                             to out: URL) throws -> VocabularyExtensionResult {
        let fm = FileManager.default
        let tokenizer = try Tokenizer(directory: base)
        let wp = try wordPiece(tokenizer, directory: base)
        guard !candidates.isEmpty || !userTokens.isEmpty else { throw TrainError.badInput("nothing to add to \(base.path)'s vocabulary") }
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
        if !candidates.isEmpty, let t = tokenizer.addedTokens.first(where: { Int($0.id) >= oldSize }) {
            throw TrainError.badInput("\(base.path): added token '\(t.content)' has id \(t.id), past the vocabulary (\(oldSize)); new entries would collide with it")
        }
        let tokenizerJSON = base.appendingPathComponent("tokenizer.json")
        if !userTokens.isEmpty && !fm.fileExists(atPath: tokenizerJSON.path) {
            throw TrainError.badInput("\(base.path): --tokens needs a tokenizer.json to hold added tokens (this folder has vocab.txt only)")
        }
        if fm.fileExists(atPath: out.appendingPathComponent("config.json").path) || fm.fileExists(atPath: out.appendingPathComponent("vocab.txt").path) {
            throw TrainError.badOption("\(out.path) already holds a model; write the extended model to a new folder")
        }
        guard base.standardizedFileURL.path != out.standardizedFileURL.path else {
            throw TrainError.badOption("--out is the base folder; write the extended model to a new folder")
        }
        let model = try BertModel.load(directory: base)
        // New WordPiece entries take the ids right after the vocabulary, so the matrix must end there;
        // added tokens only need it to cover the vocabulary.
        if candidates.isEmpty ? model.config.vocabSize < oldSize : model.config.vocabSize != oldSize {
            throw TrainError.badInput("\(base.path): config.json's vocab_size is \(model.config.vocabSize) but the tokenizer has \(oldSize) entries; extending would misalign ids")
        }

        // Ids as `tokenizers`' AddedVocabulary assigns them, over the grown WordPiece vocabulary.
        let wordPieceSize = oldSize + candidates.count
        var vocabIds: [String: Int32] = [:]
        for (k, c) in candidates.enumerated() { vocabIds[c.token] = Int32(oldSize + k) }
        // By content and by id, so a list of many thousand tokens stays linear.
        var byContent: [String: AddedToken] = [:]
        for t in tokenizer.addedTokens { byContent[t.content] = t }
        var maxAdded = tokenizer.addedTokens.map { Int($0.id) }.max()
        var assigned: [AddedToken] = [], assignedAt: [Int32: Int] = [:]
        var reused = 0
        for user in userTokens {
            var t = user.token
            if let existing = byContent[t.content] {
                t.id = existing.id
                if existing == t { continue }  // the same token added again
            }
            if let existing = byContent[t.content]?.id ?? tokenizer.model.id(for: t.content) ?? vocabIds[t.content] {
                t.id = existing
                reused += 1
            } else {
                t.id = Int32(maxAdded.map { $0 >= wordPieceSize ? $0 + 1 : wordPieceSize } ?? wordPieceSize)
            }
            maxAdded = max(maxAdded ?? Int(t.id), Int(t.id))
            byContent[t.content] = t
            if let k = assignedAt[t.id] { assigned[k] = t } else { assignedAt[t.id] = assigned.count; assigned.append(t) }
        }
        let rows = max(model.config.vocabSize, wordPieceSize, (maxAdded ?? -1) + 1)
        guard rows <= Int(Int32.max) else { throw TrainError.badInput("\(base.path): ids past \(Int32.max)") }

        // The new model: the base's tensors, the embedding matrix grown. A new row starts as the mean
        // of the rows the base's tokenizer gives its text (the mean of all rows for [UNK] alone).
        var initial: [Int: [Int32]] = [:]
        for (k, c) in candidates.enumerated() { initial[oldSize + k] = c.oldIds }
        // A new id may fall inside a matrix larger than the tokenizer: that row was never used, so it starts afresh too.
        let known = Set(tokenizer.addedTokens.map(\.id))
        for t in assigned where Int(t.id) >= oldSize && !known.contains(t.id) && initial[Int(t.id)] == nil {
            initial[Int(t.id)] = tokenizer.encode(t.content, options: EncodeOptions(addSpecialTokens: false)).ids
        }
        var cfg = model.config
        cfg.vocabSize = rows
        let grown = BertModel(config: cfg, pooler: model.layout.hasPooler && model.head == .none, head: model.head)
        let C = cfg.hiddenSize
        let baseRows = model.config.vocabSize
        let wordEmbeddings = model.naming.name(of: .wordEmbeddings)
        for e in grown.layout.entries {
            guard let src = model.parameters[e.name] else { throw TrainError.badInput("\(base.path): no \(e.name) to copy") }
            let dst = grown.parameters.base + e.offset
            if e.name == wordEmbeddings {
                dst.update(from: src.baseAddress!, count: baseRows * C)
                var mean = [Float](repeating: 0, count: C)
                for r in 0..<baseRows { for j in 0..<C { mean[j] += src[r * C + j] } }
                for j in 0..<C { mean[j] /= Float(baseRows) }
                for r in Set(baseRows..<rows).union(initial.keys).sorted() {
                    let row = dst + r * C
                    let pieces = (initial[r] ?? []).filter { $0 != tokenizer.unkTokenId && Int($0) < baseRows }
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
            let replaced: Set<String> = ["model.safetensors", "config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json"]
            for name in try fm.contentsOfDirectory(atPath: base.path) where !replaced.contains(name) && !name.hasPrefix(".") {
                try fm.copyItem(at: base.appendingPathComponent(name), to: staging.appendingPathComponent(name))
            }
            let entries = candidates.map(\.token)
            if fm.fileExists(atPath: base.appendingPathComponent("vocab.txt").path) || !fm.fileExists(atPath: base.appendingPathComponent("tokenizer.json").path) {
                try Data((wp.vocab + entries).map { $0 + "\n" }.joined().utf8).write(to: staging.appendingPathComponent("vocab.txt"))
            }
            if fm.fileExists(atPath: tokenizerJSON.path) {
                guard var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: tokenizerJSON)) as? [String: Any],
                      var modelDoc = doc["model"] as? [String: Any], var vocab = modelDoc["vocab"] as? [String: Any] else {
                    throw TrainError.badInput("\(tokenizerJSON.path): no model.vocab object")
                }
                for (k, t) in entries.enumerated() { vocab[t] = oldSize + k }
                modelDoc["vocab"] = vocab
                doc["model"] = modelDoc
                if !assigned.isEmpty {
                    let replacedIds = Set(assigned.map { Int($0.id) })
                    var list = ((doc["added_tokens"] as? [[String: Any]]) ?? []).filter { !replacedIds.contains($0["id"] as? Int ?? -1) }
                    list += assigned.map(Self.json)
                    doc["added_tokens"] = list.sorted { ($0["id"] as? Int ?? 0) < ($1["id"] as? Int ?? 0) }
                }
                try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .withoutEscapingSlashes])
                    .write(to: staging.appendingPathComponent("tokenizer.json"))
            }
            // tokenizer_config.json: transformers also reads added tokens from added_tokens_decoder.
            let tokenizerConfig = base.appendingPathComponent("tokenizer_config.json")
            if fm.fileExists(atPath: tokenizerConfig.path) {
                let data = try Data(contentsOf: tokenizerConfig)
                if !assigned.isEmpty, var doc = try JSONSerialization.jsonObject(with: data) as? [String: Any] {
                    if var decoder = doc["added_tokens_decoder"] as? [String: Any] {
                        for t in assigned {
                            var entry = Self.json(t)
                            entry["id"] = nil
                            decoder[String(t.id)] = entry
                        }
                        doc["added_tokens_decoder"] = decoder
                    }
                    try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                        .write(to: staging.appendingPathComponent("tokenizer_config.json"))
                } else {
                    try data.write(to: staging.appendingPathComponent("tokenizer_config.json"))
                }
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
        return VocabularyExtensionResult(vocabularySize: rows, addedTokens: assigned, reusedIds: reused)
    }

    /// An added token as tokenizer.json stores it.
    static func json(_ t: AddedToken) -> [String: Any] {
        ["id": Int(t.id), "content": t.content, "single_word": t.singleWord, "lstrip": t.lstrip, "rstrip": t.rstrip,
         "normalized": t.normalized, "special": t.special]
    }
}

/// What `VocabularyExtension.write` made.
public struct VocabularyExtensionResult: Sendable, Equatable {
    /// Rows of the new embedding matrix (config.json's vocab_size).
    public var vocabularySize: Int
    /// The user's tokens with the ids they got (content already known keeps its id).
    public var addedTokens: [AddedToken]
    /// How many of them kept an id the vocabulary or an added token already had.
    public var reusedIds: Int
}
