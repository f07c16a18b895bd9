import ArgumentParser
import Foundation
import SiftData
import SiftEngine
import SiftInference

/// `sift embed MODEL_DIR`: one JSON object `{"embedding": [...]}` per input text, in order.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Sentence embeddings from a BERT model folder (JSONL out).",
        discussion: """
        Pooling and normalization come from a sentence-transformers folder (modules.json, \
        1_Pooling/config.json) unless given. Input is streamed: memory stays flat for any number of texts.
        """)

    @Argument(help: "A Hugging Face / sentence-transformers model folder.")
    var modelDir: String

    @OptionGroup var source: TextSourceOptions

    @Option(help: "Pooling: cls, mean or max (default: from the folder, else mean).")
    var pooling: PoolingMode?

    @Option(help: "L2-normalize embeddings: true or false (default: from the folder, else true).")
    var normalize: Bool?

    @OptionGroup var precision: PrecisionOptions

    func run() async throws {
        let bundle = try ModelBundle(directory: URL(fileURLWithPath: modelDir), maxLength: source.maxLength,
                                     pooling: pooling, normalize: normalize, withClassifier: false)
        try precision.apply(to: bundle)
        let out = try JSONLWriter(path: source.output)
        try Self.embed(reader: source.makeReader(), runner: OfflineRunner(bundle: bundle, batchSize: source.batchSize), out: out)
        try out.finish()
    }

    /// Streams the reader's texts through the pipeline, one JSON line per text, in order.
    static func embed(reader: RecordReader, runner: OfflineRunner, out: JSONLWriter) throws {
        try runner.embed(next: { try reader.next()?.text }) { v in
            out.raw(#"{"embedding":"#)
            out.floats(v)
            out.raw("}")
            try out.endLine()
        }
    }
}

extension PoolingMode: ExpressibleByArgument {}
