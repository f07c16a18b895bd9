import ArgumentParser
import Foundation
import SiftEngine
import SiftData
import SiftTokenizers

/// `sift tokenize MODEL_DIR`: text lines or JSONL (`text`, optional `text_pair`) in, one JSON
/// encoding per line out.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text with a model folder's tokenizer (Hugging Face parity).",
        discussion: """
        Input is text lines, JSON Lines objects with "text" and an optional "text_pair", or \
        CSV/TSV with a header (--text-column; a "text_pair" column is used when present), from \
        --input or standard input; the format comes from --format or the extension. Output is \
        one JSON object per input: input_ids, token_type_ids, attention_mask, tokens, offsets \
        (code-point ranges into the original text), and overflowing windows when truncation cut \
        the text.
        """)

    @Argument(help: "A Hugging Face model folder (tokenizer.json, or vocab.txt + tokenizer_config.json).")
    var modelDir: String

    @OptionGroup var io: TextIOOptions

    @Option(help: "Maximum tokens per encoding, special tokens included.")
    var maxLength: Int?

    @Option(help: "How to shorten texts longer than --max-length.")
    var truncation: TruncationStrategy = .longestFirst

    @Option(help: "Tokens of overlap between overflowing windows.")
    var stride: Int = 0

    @Flag(help: "Do not add [CLS]/[SEP].")
    var noSpecialTokens = false

    func validate() throws {
        if let m = maxLength, m < 1 { throw ValidationError("--max-length must be at least 1") }
        if stride < 0 { throw ValidationError("--stride must not be negative") }
    }

    func run() async throws {
        let tokenizer = try Tokenizer(directory: LoRAAdapterFolder.tokenizerDirectory(URL(fileURLWithPath: modelDir)))
        let options = EncodeOptions(addSpecialTokens: !noSpecialTokens, maxLength: maxLength, truncation: truncation, stride: stride)
        // Refuse what Hugging Face refuses (a stride that leaves no room for text) before reading input.
        do { _ = try tokenizer.encodeChecked("", options: options) }
        catch { throw ValidationError(error.localizedDescription) }
        let reader = try io.makeReader()
        let out = try JSONLWriter(path: io.output)
        try TokenizeCommand.tokenize(reader: reader, tokenizer: tokenizer, options: options, out: out)
        try out.finish()
    }

    /// Streams records through the tokenizer in batches (both cores), writing each encoding.
    static func tokenize(reader: RecordReader, tokenizer: Tokenizer, options: EncodeOptions, out: JSONLWriter) throws {
        var texts: [String] = [], pairs: [String?] = [], lines: [Int] = []
        func drain() throws {
            guard !texts.isEmpty else { return }
            let encodings: [Encoding]
            // The batch path relaxes options Hugging Face would refuse for a given text; pairs and
            // strides take the checked path so such a text is reported with its line.
            if pairs.allSatisfy({ $0 == nil }) && options.stride == 0 {
                encodings = tokenizer.encodeBatch(texts, options: options)
            } else {
                // Each item keeps its own pair (or none); a failed strategy is reported, not guessed.
                encodings = try texts.indices.map { i in
                    do { return try tokenizer.encodeChecked(texts[i], pair: pairs[i], options: options) }
                    catch { throw ValidationErrorMessage("\(reader.url.path):\(lines[i]): \(error.localizedDescription)") }
                }
            }
            for e in encodings { write(e, to: out); try out.endLine() }
            texts.removeAll(keepingCapacity: true); pairs.removeAll(keepingCapacity: true); lines.removeAll(keepingCapacity: true)
        }
        while let record = try reader.next() {
            texts.append(record.text); pairs.append(record.textPair ?? record.fields["text_pair"])  // pair is optional per line
            lines.append(record.line)
            if texts.count >= 512 { try drain() }
        }
        try drain()
    }

    static func write(_ e: Encoding, to out: JSONLWriter) {
        out.raw("{\"input_ids\":"); out.ints(e.ids)
        out.raw(",\"token_type_ids\":"); out.ints(e.typeIds)
        out.raw(",\"attention_mask\":"); out.ints(e.attentionMask)
        out.raw(",\"tokens\":"); out.strings(e.tokens)
        out.raw(",\"offsets\":[")
        for (i, o) in e.offsets.enumerated() {
            if i > 0 { out.raw(UInt8(ascii: ",")) }
            out.raw("["); out.int(o.start); out.raw(","); out.int(o.end); out.raw("]")
        }
        out.raw("]")
        if !e.overflowing.isEmpty {
            out.raw(",\"overflowing\":[")
            for (i, o) in e.overflowing.enumerated() {
                if i > 0 { out.raw(UInt8(ascii: ",")) }
                write(o, to: out)
            }
            out.raw("]")
        }
        out.raw("}")
    }
}
