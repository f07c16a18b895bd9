import ArgumentParser
import Foundation
import SiftData

/// How to read a data file: the options every data-reading command shares.
struct DataFileOptions: ParsableArguments {
    @Option(help: "File format (default: from the extension).") var format: DataFormat?
    @Option(help: "Column (or JSON key) holding the text; a name or a 1-based number.") var textColumn: String = "text"
    @Option(help: "Column holding the second text of a pair.") var textPairColumn: String?
    @Option(help: "Column holding the label(s).") var labelColumn: String = "label"
    @Option(help: "Encoding (default: UTF-8; a BOM is detected).") var encoding: TextEncoding?
    @Flag(help: "Replace bytes invalid in the encoding with U+FFFD instead of stopping.") var lossy = false
    @Flag(help: "Labels are multi-label: 'a|b' or a JSON list.") var multiLabel = false

    /// Read options; `withLabel` false drops the label column (for unlabeled input).
    func readOptions(withLabel: Bool = true) throws -> ReadOptions {
        ReadOptions(format: format, textColumn: textColumn, textPairColumn: textPairColumn,
                    labelColumn: withLabel ? labelColumn : nil, encoding: encoding, lossy: lossy)
    }

    /// A reader whose label column is used only if the file has it (inspect and clean accept
    /// unlabeled files): for CSV/TSV the header decides; JSONL keys are optional anyway.
    func openReader(_ url: URL) throws -> RecordReader {
        do { return try RecordReader(url: url, options: try readOptions()) } catch DataError.missingColumn(_, let col, _) where col == labelColumn {
            return try RecordReader(url: url, options: try readOptions(withLabel: false))
        }
    }
}
