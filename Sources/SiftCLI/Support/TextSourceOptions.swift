import ArgumentParser
import Foundation
import SiftData

/// Input/batching options shared by `sift embed` and `sift predict`: texts from a file or stdin
/// as plain lines, JSON Lines (`text`) or CSV/TSV (`--text-column`), read through SiftData's
/// streaming RecordReader so only one batch is in memory.
struct TextSourceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Input file (default: standard input).")
    var input: String?

    @Option(name: .shortAndLong, help: "Output JSONL file (default: standard output).")
    var output: String?

    @Option(help: "Input format: text, jsonl, csv or tsv (default: from the extension, else text).")
    var format: String?

    @Option(help: "Column (CSV/TSV) or field (JSONL) holding the text.")
    var textColumn: String = "text"

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Option(help: "Tokens per text including [CLS]/[SEP]; longer texts are truncated (default: the model's limit).")
    var maxLength: Int?

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of stopping at the first bad line.")
    var lossy = false

    /// Tokens per forward pass: bounds the activation workspace to about 90 MB for MiniLM.
    static let maxTokensPerForward = 4096

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let m = maxLength, m < 2 { throw ValidationError("--max-length must be at least 2") }
        if let f = format, DataFormat(name: f) == nil {
            throw ValidationError("--format must be one of text, jsonl, csv, tsv")
        }
    }

    func makeReader() throws -> RecordReader {
        let source = (input == nil || input == "-") ? URL(fileURLWithPath: "/dev/stdin") : URL(fileURLWithPath: input!)
        let fmt = format.flatMap(DataFormat.init(name:)) ?? DataFormat.infer(from: source) ?? .text
        return try RecordReader(url: source, options: ReadOptions(format: fmt, textColumn: textColumn, lossy: lossy))
    }

    /// Calls `body` with consecutive batches of at most `batchSize` texts, in input order.
    static func forEachBatch(_ reader: RecordReader, batchSize: Int, _ body: ([String]) throws -> Void) throws {
        var texts: [String] = []
        texts.reserveCapacity(batchSize)
        while let r = try reader.next() {
            texts.append(r.text)
            if texts.count == batchSize { try body(texts); texts.removeAll(keepingCapacity: true) }
        }
        if !texts.isEmpty { try body(texts) }
    }
}

extension JSONLWriter {
    /// A Float as JSON: shortest round-trip text; non-finite values (never expected) as null.
    func float(_ v: Float) {
        if v.isFinite { raw(v.description) } else { raw("null") }
    }

    func floats(_ values: UnsafeBufferPointer<Float>) {
        raw(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { raw(UInt8(ascii: ",")) }
            float(v)
        }
        raw(UInt8(ascii: "]"))
    }
}
