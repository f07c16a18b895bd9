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
        and "index" for none), "score", "word", and code-point "start"/"end" in the text.
        """)

    @Argument(help: "A BertForTokenClassification folder.") var modelDir: String
    @OptionGroup var source: TextSourceOptions
    @Option(help: "none, simple, first, average or max.") var aggregation: EntityAggregation = .first
    @Option(help: "Tokens shared by consecutive windows of a long text.") var stride = 32
    @Flag(help: "Read only the first window of a long text (the pipeline without a stride).") var truncate = false
    @Option(help: "Labels or groups to drop, comma-separated (\"\" keeps all).") var ignoreLabels = "O"

    func validate() throws {
        if stride < 0 { throw ValidationError("--stride must be at least 0") }
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
        let runner = OfflineRunner(bundle: bundle, batchSize: source.batchSize)
        let reader = try source.makeReader()
        let out = try JSONLWriter(path: source.output)
        try runner.entities(next: { try reader.next()?.text }, options: options) { entities in
            Self.write(entities, out: out)
            try out.endLine()
        }
        try out.flush()
    }

    static func write(_ entities: [Entity], out: JSONLWriter) {
        out.raw(#"{"entities":["#)
        for (i, e) in entities.enumerated() {
            if i > 0 { out.raw(",") }
            writeEntity(e, out: out)
            out.raw("}")
        }
        out.raw("]}")
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
