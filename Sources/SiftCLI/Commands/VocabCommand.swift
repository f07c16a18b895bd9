import ArgumentParser
import Foundation
import SiftData
import SiftTokenizers
import SiftTrain

/// `sift vocab`: a model's vocabulary for a domain.
struct VocabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vocab",
        abstract: "Adapt a model's vocabulary to a domain.",
        subcommands: [VocabExtendCommand.self])
}

/// `sift vocab extend BASE --corpus FILE... --out DIR`.
struct VocabExtendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Add the corpus's missing words (CJK characters among them) and your own terms to a WordPiece model's vocabulary.",
        discussion: """
        Counts the words the tokenizer sees (after its normalizer and pre-tokenizer) over every \
        --corpus file (plain lines, CSV/TSV or JSONL by extension; --text-column). Words that \
        become [UNK] — a CJK character outside the vocabulary is one such word — and, with \
        --min-pieces, words split into that many pieces or more, become whole-word entries \
        appended after the last id, most frequent first (unknown words before fragmented ones), \
        at most --max-new. Each new embedding row starts as the mean of the rows of the pieces \
        the old tokenizer gave the word, or the mean of all rows for an [UNK] word. --tokens FILE \
        adds your own terms (COVID-19, q.d., NPO) as Hugging Face's add_tokens does: added tokens \
        matched before the model, on the normalized text (so COVID-19 also matches covid-19 when \
        the tokenizer lowercases), content the vocabulary already has keeping its id. FILE holds \
        one token per line, or a JSON object per line with content and the AddedToken flags \
        single_word, lstrip, rstrip, normalized, special. OUT is a \
        Hugging Face folder (vocab.txt, tokenizer.json, config.json and the embeddings grown \
        together; the base's other files copied) to fine-tune from. See docs/domain-adaptation.md.
        """)

    @Argument(help: "The base model folder (a BERT-style WordPiece tokenizer).") var base: String
    @Option(parsing: .upToNextOption, help: "Domain text files (one or more).") var corpus: [String] = []
    @Option(help: "Your own tokens: one per line, or a JSON object per line with content and AddedToken flags.") var tokens: String?
    @Option(help: "Output folder (new, or empty).") var out: String
    @Option(help: "Column (CSV/TSV) or field (JSONL) holding the text.") var textColumn = "text"
    @Option(help: "Keep words seen at least this many times.") var minCount = 5
    @Option(help: "Add at most this many entries.") var maxNew = 5000
    @Option(help: "Also add words split into at least this many pieces (0: only words that become [UNK]).") var minPieces = 4
    @Flag(help: "Print the plan, write nothing.") var dryRun = false

    var miningOptions: VocabularyMiningOptions {
        var o = VocabularyMiningOptions()
        o.minCount = minCount; o.maxNew = maxNew; o.minPieces = minPieces == 0 ? nil : minPieces
        return o
    }

    func validate() throws {
        guard !corpus.isEmpty || tokens != nil else { throw ValidationError("give at least one --corpus file or --tokens FILE") }
        do { try miningOptions.validate() } catch { throw ValidationError((error as? LocalizedError)?.errorDescription ?? "\(error)") }
    }

    func run() throws {
        let log = CLILog.logger("sift.vocab")
        let baseURL = URL(fileURLWithPath: base)
        let tokenizer = try Tokenizer(directory: baseURL)
        let userTokens = try tokens.map { try UserToken.read(URL(fileURLWithPath: $0)) } ?? []
        var candidates: [VocabularyCandidate] = []
        if !corpus.isEmpty {
            let texts = try CorpusFiles.read(corpus, textColumn: textColumn, log: log)
            let mining = VocabularyExtension.mine(texts, tokenizer: tokenizer, options: miningOptions)
            func pct(_ a: Int, _ b: Int) -> String { String(format: "%.2f%%", 100 * Double(a) / Double(max(b, 1))) }
            let unknown = mining.candidates.filter { $0.gap == .unknown }.count
            print("corpus: \(mining.texts) texts, \(mining.tokens) tokens, [UNK] \(pct(mining.unknownTokens, mining.tokens))")
            if mining.candidates.isEmpty && userTokens.isEmpty {
                throw ValidationError("nothing to add: no word of the corpus becomes [UNK]\(miningOptions.minPieces.map { " or \($0)+ pieces" } ?? "") at least \(minCount) times")
            }
            print("adding \(mining.candidates.count) entries (\(unknown) unknown to the tokenizer, \(mining.candidates.count - unknown) fragmented)"
                  + (mining.leftOut > 0 ? "; \(mining.leftOut) more at --min-count left out by --max-new" : ""))
            print("after: \(mining.tokensAfter) tokens, [UNK] \(pct(mining.unknownAfter, mining.tokensAfter))")
            let sample = mining.candidates.prefix(20).map { "\($0.token) (\($0.count))" }.joined(separator: ", ")
            if !sample.isEmpty { print("most frequent: \(sample)") }
            candidates = mining.candidates
        }
        if !userTokens.isEmpty {
            print("--tokens: \(userTokens.count) added tokens: " + userTokens.prefix(10).map { $0.token.content }.joined(separator: ", "))
        }
        if dryRun { return }
        let result = try VocabularyExtension.write(base: baseURL, adding: candidates, userTokens: userTokens, to: URL(fileURLWithPath: out))
        if !result.addedTokens.isEmpty {
            let ids = result.addedTokens.prefix(10).map { "\($0.content)=\($0.id)" }.joined(separator: ", ")
            print("added tokens: \(result.addedTokens.count) (\(result.reusedIds) kept an id the vocabulary had): \(ids)")
        }
        let size = result.vocabularySize
        print("vocabulary \(tokenizer.vocabSize) -> \(size); model in \(out)")
    }
}
