import Foundation
import SiftCore

/// Writes records back in the format they were read in (so `clean` and `split` hand users
/// files they can open with the same tools), through `AtomicWriter`: nothing appears at `url`
/// until `commit()`, and a writer never committed leaves nothing behind.
public final class RecordWriter {
    public let format: DataFormat
    private let out: AtomicWriter
    private let header: [String]?
    private let textColumn: String

    /// `header` is required for CSV/TSV (the reader's header); `textColumn` names the field
    /// whose value `write(_:text:)` may replace.
    public init(url: URL, format: DataFormat, header: [String]?, textColumn: String) throws {
        self.format = format
        self.header = header
        self.textColumn = textColumn
        out = try AtomicWriter(url: url)
        if format == .csv || format == .tsv {
            guard let header else { throw DataError.invalidArgument("writing \(format.rawValue) needs a header") }
            try out.write(header.map(escape).joined(separator: delimiter) + "\n")
        }
    }

    private var delimiter: String { format == .tsv ? "\t" : "," }

    /// RFC 4180: quote a field holding the delimiter, a quote or a line break; double quotes.
    private func escape(_ field: String) -> String {
        let needs = field.utf8.contains { $0 == 0x22 || $0 == 0x0A || $0 == 0x0D || $0 == (format == .tsv ? 0x09 : 0x2C) }
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Writes `record`, with its text replaced by `text` when given.
    public func write(_ record: Record, text: String? = nil) throws {
        let newText = text ?? record.text
        switch format {
        case .csv, .tsv:
            let h = header ?? []
            var fields = record.fields
            // The text column might have matched case-insensitively or by number; find its real name.
            if let key = h.first(where: { $0 == textColumn }) ?? h.first(where: { $0.lowercased() == textColumn.lowercased() }) ?? Int(textColumn).flatMap({ $0 >= 1 && $0 <= h.count ? h[$0 - 1] : nil }) {
                fields[key] = newText
            }
            try out.write(h.map { escape(fields[$0] ?? "") }.joined(separator: delimiter) + "\n")
        case .jsonl:
            if newText == record.text, let raw = record.raw {
                try out.write(raw + "\n")
                return
            }
            var obj: [String: Any] = [:]
            if let raw = record.raw, let parsed = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any] {
                obj = parsed
            } else {
                for (k, v) in record.fields { obj[k] = v }
            }
            obj[textColumn] = newText
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])
            try out.write(String(decoding: data, as: UTF8.self) + "\n")
        case .text:
            // One record per line: a line break inside a text would split the record.
            try out.write(newText.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ") + "\n")
        }
    }

    public func commit() throws { try out.commit() }
}
