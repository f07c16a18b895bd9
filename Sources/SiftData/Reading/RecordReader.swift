import Foundation

/// The file formats Sift reads.
public enum DataFormat: String, Sendable, CaseIterable {
    case csv, tsv, jsonl, text

    /// From the extension: .csv, .tsv/.tab, .jsonl/.ndjson, .txt/.text. Nil when unknown.
    public static func infer(from url: URL) -> DataFormat? {
        switch url.pathExtension.lowercased() {
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        case "jsonl", "ndjson": return .jsonl
        case "txt", "text": return .text
        default: return nil
        }
    }

    public init?(name: String) {
        switch name.lowercased() {
        case "csv": self = .csv
        case "tsv", "tab": self = .tsv
        case "jsonl", "ndjson", "json-lines": self = .jsonl
        case "text", "txt", "plain", "lines": self = .text
        default: return nil
        }
    }
}

/// One record of a data file.
public struct Record: Sendable, Equatable {
    /// 1-based line where the record starts (a quoted CSV field may span several lines).
    public var line: Int
    public var text: String
    public var textPair: String?
    /// The raw label value; multi-label values stay as written (`a|b` or a JSON list) and are
    /// split by `LabelParsing`.
    public var label: String?
    /// Column names and values side by side (CSV/TSV: header order; JSONL: key order as
    /// given). Arrays rather than a dictionary: one allocation per row instead of hashing
    /// every column of every row, which dominated reading time.
    public var columns: [String]
    public var values: [String]
    /// The JSON object as written (JSONL only), so writers can keep types and other keys.
    public var raw: String?

    /// Every column (CSV/TSV) or top-level key (JSONL) as a string.
    public var fields: [String: String] {
        get { Dictionary(zip(columns, values), uniquingKeysWith: { a, _ in a }) }
        set {
            columns = newValue.keys.sorted()
            values = columns.map { newValue[$0]! }
        }
    }

    public init(line: Int, text: String, textPair: String? = nil, label: String? = nil, fields: [String: String] = [:], raw: String? = nil) {
        self.line = line; self.text = text; self.textPair = textPair; self.label = label; self.raw = raw
        columns = fields.keys.sorted()
        values = columns.map { fields[$0]! }
    }

    init(line: Int, text: String, textPair: String?, label: String?, columns: [String], values: [String], raw: String?) {
        self.line = line; self.text = text; self.textPair = textPair; self.label = label
        self.columns = columns; self.values = values; self.raw = raw
    }

    public static func == (a: Record, b: Record) -> Bool {
        a.line == b.line && a.text == b.text && a.textPair == b.textPair && a.label == b.label && a.raw == b.raw && a.fields == b.fields
    }
}

/// Everything that says how to read a file; commands build one from their options.
public struct ReadOptions: Sendable {
    public var format: DataFormat?
    public var textColumn: String
    public var textPairColumn: String?
    public var labelColumn: String?
    public var encoding: TextEncoding?
    public var lossy: Bool
    /// Longest record accepted, in bytes: guards memory against a stray quote swallowing a file.
    public var maxRecordBytes: Int
    /// Bytes read from disk at a time.
    public var chunkSize: Int

    public init(format: DataFormat? = nil, textColumn: String = "text", textPairColumn: String? = nil,
                labelColumn: String? = nil, encoding: TextEncoding? = nil, lossy: Bool = false,
                maxRecordBytes: Int = 64 << 20, chunkSize: Int = 1 << 20) {
        self.chunkSize = chunkSize
        self.format = format; self.textColumn = textColumn; self.textPairColumn = textPairColumn
        self.labelColumn = labelColumn; self.encoding = encoding; self.lossy = lossy
        self.maxRecordBytes = maxRecordBytes
    }
}

/// Streams records out of a CSV, TSV, JSONL or plain-text file: one chunk of the file and one
/// record are in memory at a time. Every error names the file, line and column.
///
///     let reader = try RecordReader(url: url, format: nil, textColumn: "text", labelColumn: "label")
///     while let record = try reader.next() { ... }
public final class RecordReader {
    public let url: URL
    public let format: DataFormat
    /// The encoding in use: the one given, or UTF-8 (with or without a byte-order mark).
    public var encoding: TextEncoding { lines.hadBOM && options.encoding == nil ? .utf8BOM : declaredEncoding }
    private let declaredEncoding: TextEncoding
    /// Header names for CSV/TSV; nil for JSONL and text.
    public private(set) var header: [String]?
    public let options: ReadOptions

    private let lines: ChunkedLineReader
    private let decoder: LineDecoder
    private var parser: DelimitedRowParser?
    private var textIndex = 0, pairIndex: Int?, labelIndex: Int?
    private let file: String

    public convenience init(url: URL, format: DataFormat? = nil, textColumn: String = "text",
                            textPairColumn: String? = nil, labelColumn: String? = nil,
                            encoding: TextEncoding? = nil, lossy: Bool = false) throws {
        try self.init(url: url, options: ReadOptions(format: format, textColumn: textColumn, textPairColumn: textPairColumn,
                                                     labelColumn: labelColumn, encoding: encoding, lossy: lossy))
    }

    public init(url: URL, options: ReadOptions) throws {
        self.url = url
        self.options = options
        file = url.path
        guard let fmt = options.format ?? DataFormat.infer(from: url) ?? (url.path == "-" ? .text : nil) else {
            throw DataError.unknownFormat(file: url.path)
        }
        format = fmt
        lines = try ChunkedLineReader(url: url, chunkSize: options.chunkSize, maxLineBytes: options.maxRecordBytes)
        // Decide the encoding before the first line: a BOM means UTF-8.
        let enc = options.encoding ?? .utf8
        decoder = try LineDecoder(encoding: enc == .utf8BOM ? .utf8 : enc, lossy: options.lossy, file: lines.path)
        switch fmt {
        case .csv: parser = DelimitedRowParser(delimiter: UInt8(ascii: ","), file: lines.path)
        case .tsv: parser = DelimitedRowParser(delimiter: UInt8(ascii: "\t"), file: lines.path)
        default: break
        }
        declaredEncoding = enc
        if parser != nil { try readHeader() }
    }

    // MARK: Reading

    /// The next record, or nil at end of file.
    public func next() throws -> Record? {
        switch format {
        case .csv, .tsv: return try nextDelimited()
        case .jsonl: return try nextJSON()
        case .text:
            return try lines.nextLine { bytes, _, lineNo in
                Record(line: lineNo, text: try decode(bytes, lineNo), fields: [:])
            }
        }
    }

    /// Calls `body` for every remaining record.
    public func forEach(_ body: (Record) throws -> Void) throws {
        while let r = try next() { try body(r) }
    }

    /// All remaining records (only for files known to be small).
    public func readAll() throws -> [Record] {
        var out: [Record] = []
        while let r = try next() { out.append(r) }
        return out
    }

    private func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ lineNo: Int) throws -> String {
        try decoder.decode(bytes) { SourceLocation(file: lines.path, line: lineNo) }
    }

    /// The next complete row of fields (joining lines inside quotes); nil at end of file.
    private func nextRow() throws -> (line: Int, fields: [String])? {
        guard var p = parser else { return nil }
        defer { parser = p }
        let names = header
        while true {
            let got: [String]?? = try lines.nextLine { bytes, crlf, lineNo in
                // Fields are cut on the raw bytes (quote, comma and tab are ASCII and never part
                // of a multi-byte character in UTF-8, Latin-1 or GB18030), then each is decoded.
                try p.feed(bytes, lineNumber: lineNo, crlf: crlf) { fieldBytes, column, line in
                    try decoder.decode(fieldBytes) {
                        SourceLocation(file: lines.path, line: line, column: column,
                                       columnName: names.flatMap { column <= $0.count ? $0[column - 1] : nil })
                    }
                }
            }
            guard let row = got else {
                try p.finish()
                return nil
            }
            if let fields = row {
                if fields.isEmpty { continue }   // blank line between rows
                return (p.rowStartLine, fields)
            }
        }
    }

    private func readHeader() throws {
        guard let (_, names) = try nextRow() else { throw DataError.emptyFile(file: lines.path) }
        let trimmed = names.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for n in trimmed where !n.isEmpty {
            if !seen.insert(n).inserted { throw DataError.duplicateColumn(file: lines.path, column: n) }
        }
        header = trimmed
        textIndex = try columnIndex(options.textColumn, in: trimmed)
        pairIndex = try options.textPairColumn.map { try columnIndex($0, in: trimmed) }
        labelIndex = try options.labelColumn.map { try columnIndex($0, in: trimmed) }
    }

    /// A column by exact name, else case-insensitively, else as a 1-based number.
    private func columnIndex(_ name: String, in header: [String]) throws -> Int {
        if let i = header.firstIndex(of: name) { return i }
        let lower = name.lowercased()
        if let i = header.firstIndex(where: { $0.lowercased() == lower }) { return i }
        if let n = Int(name), n >= 1, n <= header.count { return n - 1 }
        throw DataError.missingColumn(file: lines.path, column: name, available: header)
    }

    private func nextDelimited() throws -> Record? {
        guard let header else { return nil }
        guard let (line, f) = try nextRow() else { return nil }
        if f.count != header.count {
            throw DataError.raggedRow(SourceLocation(file: lines.path, line: line), fields: f.count, expected: header.count)
        }
        return Record(line: line, text: f[textIndex], textPair: pairIndex.map { f[$0] },
                      label: labelIndex.map { f[$0] }, columns: header, values: f, raw: nil)
    }

    private func nextJSON() throws -> Record? {
        while true {
            let got: Record?? = try lines.nextLine { bytes, _, lineNo in
                let s = try decode(bytes, lineNo)
                if s.allSatisfy({ $0.isWhitespace }) { return Record?.none }
                return try parseJSONLine(s, lineNo)
            }
            guard let maybe = got else { return nil }
            if let r = maybe { return r }
        }
    }

    private func parseJSONLine(_ s: String, _ lineNo: Int) throws -> Record {
        let loc = SourceLocation(file: lines.path, line: lineNo)
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: Data(s.utf8), options: [.fragmentsAllowed]) } catch {
            throw DataError.invalidJSON(loc, reason: "cannot parse the line as JSON")
        }
        guard let dict = obj as? [String: Any] else {
            throw DataError.invalidJSON(loc, reason: "expected an object {...}, found \(Self.kind(of: obj))")
        }
        var fields: [String: String] = [:]
        for (k, v) in dict { if let s = Self.stringValue(v) { fields[k] = s } }
        func field(_ name: String, required: Bool) throws -> String? {
            if let v = fields[name] { return v }
            if dict[name] != nil, !required { return nil }   // explicit null
            if required {
                var l = loc; l.columnName = name
                throw DataError.missingField(l)
            }
            return nil
        }
        let text = try field(options.textColumn, required: true) ?? ""
        let pair = try options.textPairColumn.flatMap { try field($0, required: true) }
        let label = try options.labelColumn.flatMap { try field($0, required: false) }
        return Record(line: lineNo, text: text, textPair: pair, label: label, fields: fields, raw: s)
    }

    /// JSON scalars become their text; lists and objects stay JSON (so a label list reads `["a","b"]`).
    static func stringValue(_ v: Any) -> String? {
        switch v {
        case is NSNull: return nil
        case let s as String: return s
        case let n as NSNumber:
            // JSON booleans arrive as char-typed NSNumbers.
            if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
            return n.stringValue
        default:
            guard JSONSerialization.isValidJSONObject(v),
                  let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
            return String(decoding: d, as: UTF8.self)
        }
    }

    private static func kind(of v: Any) -> String {
        switch v {
        case is [Any]: return "an array"
        case is String: return "a string"
        case is NSNumber: return "a number"
        default: return "null"
        }
    }
}
