import ArgumentParser
import Foundation
import SiftData

/// Where texts come from and where results go, for every command that streams texts
/// (tokenize, embed, predict): a file or standard input as plain lines, JSON Lines or CSV/TSV
/// (`--text-column`), read through SiftData's streaming RecordReader.
struct TextIOOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Input file ('-' or absent: standard input).")
    var input: String?

    @Option(name: .shortAndLong, help: "Output JSONL file (default: standard output).")
    var output: String?

    @Option(help: "Input format (default: from the extension, else text).")
    var format: DataFormat?

    @Option(help: "Column (CSV/TSV) or field (JSONL) holding the text.")
    var textColumn: String = "text"

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of stopping at the first bad line.")
    var lossy = false

    /// The input's format: --format, else the extension, else plain text (standard input included).
    func resolvedFormat() -> DataFormat {
        format ?? (StandardInput.isStandardInput(input) ? nil : DataFormat.infer(from: StandardInput.resolve(input))) ?? .text
    }

    func makeReader() throws -> RecordReader {
        try RecordReader(url: StandardInput.resolve(input),
                         options: ReadOptions(format: resolvedFormat(), textColumn: textColumn, lossy: lossy))
    }
}

/// Input/batching options shared by `sift embed` and `sift predict`: the text I/O group plus the
/// batch size and truncation, so only one batch is in memory.
struct TextSourceOptions: ParsableArguments {
    @OptionGroup var io: TextIOOptions

    @Option(help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Option(help: "Tokens per text including [CLS]/[SEP]; longer texts are truncated (default: the model's limit).")
    var maxLength: Int?

    var input: String? { io.input }
    var output: String? { io.output }
    var format: DataFormat? { io.format }
    var textColumn: String { io.textColumn }
    var lossy: Bool { io.lossy }

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let m = maxLength, m < 2 { throw ValidationError("--max-length must be at least 2") }
    }

    func makeReader() throws -> RecordReader { try io.makeReader() }
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
