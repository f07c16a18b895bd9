import ArgumentParser
import Foundation
import SiftData

/// How to read a data file: the options every data-reading command shares.
struct DataFileOptions: ParsableArguments {
    @Option(help: "File format: csv, tsv, jsonl or text (default: from the extension).") var format: String?
    @Option(help: "Column (or JSON key) holding the text; a name or a 1-based number.") var textColumn: String = "text"
    @Option(help: "Column holding the second text of a pair.") var textPairColumn: String?
    @Option(help: "Column holding the label(s).") var labelColumn: String = "label"
    @Option(help: "Encoding: utf-8, utf-8-bom, latin-1, gb18030 (default: UTF-8; a BOM is detected).") var encoding: String?
    @Flag(help: "Replace bytes invalid in the encoding with U+FFFD instead of stopping.") var lossy = false
    @Flag(help: "Labels are multi-label: 'a|b' or a JSON list.") var multiLabel = false

    /// Read options; `withLabel` false drops the label column (for unlabeled input).
    func readOptions(withLabel: Bool = true) throws -> ReadOptions {
        var fmt: DataFormat?
        if let format {
            guard let f = DataFormat(name: format) else { throw ValidationError("unknown format '\(format)'; use csv, tsv, jsonl or text") }
            fmt = f
        }
        var enc: TextEncoding?
        if let encoding {
            guard let e = TextEncoding(name: encoding) else { throw ValidationError("unknown encoding '\(encoding)'; use utf-8, utf-8-bom, latin-1 or gb18030") }
            enc = e
        }
        return ReadOptions(format: fmt, textColumn: textColumn, textPairColumn: textPairColumn,
                           labelColumn: withLabel ? labelColumn : nil, encoding: enc, lossy: lossy)
    }

    /// A reader whose label column is used only if the file has it (inspect and clean accept
    /// unlabeled files): for CSV/TSV the header decides; JSONL keys are optional anyway.
    func openReader(_ url: URL) throws -> RecordReader {
        do { return try RecordReader(url: url, options: try readOptions()) } catch DataError.missingColumn(_, let col, _) where col == labelColumn {
            return try RecordReader(url: url, options: try readOptions(withLabel: false))
        }
    }
}
