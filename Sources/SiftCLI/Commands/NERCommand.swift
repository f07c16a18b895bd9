import ArgumentParser
import Foundation
import SiftData
import SiftInference

/// `sift ner MODEL_DIR`: entities in texts, with a token-classification folder.
struct NERCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ner",
        abstract: "Find entities with a token-classification folder (JSONL out).",
        discussion: """
        Hugging Face's token-classification pipeline, exactly: --aggregation none (every token), \
        simple (adjacent tokens of one type grouped), first / average / max (sub-words joined into \
        words first; a word takes its first token's label, its averaged scores' label, or its most \
        confident token's label). Labels in --ignore-labels (default O) are dropped after grouping. \
        A text longer than the model's length is read in overlapping windows (--stride tokens \
        shared) and entities found twice are resolved as the pipeline does; --truncate reads only \
        the first window. One JSON object per text: "entities", each with "entity_group" ("entity" \
        and "index" for none), "score", "word", and code-point "start"/"end" in the text. With \
        --link, each entity also gets "link": the dictionary entry of its type whose normalized name \
        or alias equals the mention (score 1), else the most similar by character trigrams at or \
        above --link-threshold, else null.
        """)

    @Argument(help: "A BertForTokenClassification folder.") var modelDir: String
    @OptionGroup var source: TextSourceOptions
    @Option(help: "none, simple, first, average or max.") var aggregation: EntityAggregation = .first
    @Option(help: "Tokens shared by consecutive windows of a long text.") var stride = 32
    @Flag(help: "Read only the first window of a long text (the pipeline without a stride).") var truncate = false
    @Option(help: "Labels or groups to drop, comma-separated (\"\" keeps all).") var ignoreLabels = "O"
    @Option(help: "Link entities to a dictionary: TSV of id, type, canonical name, aliases ('|'-separated).") var link: String?
    @Option(help: "With --link: the lowest character-trigram similarity (Dice) accepted for a fuzzy match.") var linkThreshold = 0.5

    func validate() throws {
        if stride < 0 { throw ValidationError("--stride must be at least 0") }
        if !(0...1).contains(linkThreshold) { throw ValidationError("--link-threshold must be between 0 and 1") }
    }

    var options: EntityOptions {
        let ignore = ignoreLabels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return EntityOptions(aggregation: aggregation, stride: truncate ? nil : stride, ignoreLabels: Set(ignore))
    }

    func run() async throws {
        let bundle = try ModelBundle(directory: URL(fileURLWithPath: modelDir), maxLength: source.maxLength)
        let recognizer = try bundle.requireEntityRecognizer()
        let options = self.options
        try recognizer.validate(options)
        let linker = try link.map { EntityLinker(dictionary: try EntityDictionary(url: URL(fileURLWithPath: $0)), threshold: linkThreshold) }
        let runner = OfflineRunner(bundle: bundle, batchSize: source.batchSize)
        let reader = try source.makeReader()
        let out = try JSONLWriter(path: source.output)
        // The texts of the chunk being scored, for the mentions' original spelling.
        var pending: [String] = []
        try runner.entities(next: {
            guard let t = try reader.next()?.text else { return nil }
            pending.append(t)
            return t
        }, options: options) { entities in
            let text = pending.removeFirst()
            Self.write(entities, text: text, linker: linker, out: out)
            try out.endLine()
        }
        try out.finish()
    }

    static func write(_ entities: [Entity], text: String, linker: EntityLinker?, out: JSONLWriter) {
        out.raw(#"{"entities":["#)
        let scalars = Array(text.unicodeScalars)
        for (i, e) in entities.enumerated() {
            if i > 0 { out.raw(",") }
            writeEntity(e, out: out)
            if let linker {
                out.raw(#","link":"#)
                if let l = linker.link(mention: mention(e, scalars), type: entityType(e.label)) { writeLink(l, out: out) } else { out.raw("null") }
            }
            out.raw("}")
        }
        out.raw("]}")
    }

    /// The mention as the text spells it (the entity's `word` is the tokenizer's, lower-cased).
    static func mention(_ e: Entity, _ text: [Unicode.Scalar]) -> String {
        let lo = max(0, min(e.start, text.count)), hi = max(lo, min(e.end, text.count))
        var v = String.UnicodeScalarView(); v.append(contentsOf: text[lo..<hi])
        return String(v)
    }

    /// "B-PER" → "PER" (token entities), a group's label as is.
    static func entityType(_ label: String) -> String {
        label.hasPrefix("B-") || label.hasPrefix("I-") ? String(label.dropFirst(2)) : label
    }

    static func writeLink(_ l: EntityLink, out: JSONLWriter) {
        out.raw(#"{"id":"#); out.string(l.id)
        out.raw(#","type":"#); out.string(l.type)
        out.raw(#","name":"#); out.string(l.canonicalName)
        out.raw(#","score":"#); out.raw(String(format: "%.6g", l.score))
        out.raw(#","match":"#); out.string(l.match.rawValue)
        out.raw(#","matched_name":"#); out.string(l.matchedName)
        out.raw("}")
    }

    /// One entity's fields, without the closing brace (callers may add fields).
    static func writeEntity(_ e: Entity, out: JSONLWriter) {
        out.raw(e.index == nil ? #"{"entity_group":"# : #"{"entity":"#); out.string(e.label)
        out.raw(#","score":"#); out.float(e.score)
        if let index = e.index { out.raw(#","index":"#); out.int(index) }
        out.raw(#","word":"#); out.string(e.word)
        out.raw(#","start":"#); out.int(e.start); out.raw(#","end":"#); out.int(e.end)
    }
}
