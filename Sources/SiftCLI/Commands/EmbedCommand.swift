import ArgumentParser
import Foundation
import SiftData
import SiftEngine

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
    var pooling: String?

    @Option(help: "L2-normalize embeddings: true or false (default: from the folder, else true).")
    var normalize: Bool?

    func validate() throws {
        if let p = pooling, PoolingMode(rawValue: p) == nil { throw ValidationError("--pooling must be cls, mean or max") }
    }

    func run() async throws {
        let dir = URL(fileURLWithPath: modelDir)
        let embedder = try SentenceEmbedder(directory: dir, pooling: pooling.flatMap(PoolingMode.init(rawValue:)), normalize: normalize)
        let input = try TextInput(directory: dir, config: embedder.model.config, maxLength: source.maxLength)
        let out = try JSONLWriter(path: source.output)
        try Self.embed(reader: source.makeReader(), embedder: embedder, input: input, batchSize: source.batchSize, out: out)
        try out.flush()
    }

    /// Streams batches through the embedder; one workspace is reused for every batch.
    static func embed(reader: RecordReader, embedder: SentenceEmbedder, input: TextInput, batchSize: Int, out: JSONLWriter) throws {
        let acts = embedder.model.makeActivations()
        let C = embedder.dimension
        try TextSourceOptions.forEachBatch(reader, batchSize: batchSize) { texts in
            // Bounded tokens per forward keep the workspace (and peak RSS) flat for long texts.
            for batch in try input.pack(texts).split(maxTokens: TextSourceOptions.maxTokensPerForward) {
            try embedder.embed(batch, acts: acts)
            for b in 0..<batch.batchSize {
                out.raw(#"{"embedding":"#)
                out.floats(UnsafeBufferPointer(start: acts.sentence + b * C, count: C))
                out.raw("}")
                try out.endLine()
            }
            }
        }
    }
}
