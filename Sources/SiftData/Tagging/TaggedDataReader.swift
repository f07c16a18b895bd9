import Foundation

/// The file formats of token-classification data.
public enum TaggedDataFormat: String, Sendable, CaseIterable {
    /// One `token … tag` line per word, a blank line between sentences.
    case conll
    /// One JSON object per line: `tokens` + `tags`, or `text` + `entities`.
    case jsonl

    /// .jsonl/.ndjson are JSONL; .conll, .conllx, .iob, .iob2, .bio, .bioes, .txt, .tsv, .tab
    /// are CoNLL. Nil when unknown (CoNLL-2003's `eng.train` needs `format: .conll`).
    public static func infer(from url: URL) -> TaggedDataFormat? {
        switch url.pathExtension.lowercased() {
        case "jsonl", "ndjson": .jsonl
        case "conll", "conllx", "iob", "iob2", "bio", "bioes", "txt", "tsv", "tab": .conll
        default: nil
        }
    }
}

/// How to read token-classification data.
public struct TaggedReadOptions: Sendable {
    public var format: TaggedDataFormat?
    public var encoding: TextEncoding?
    public var lossy: Bool
    /// JSONL field names.
    public var tokensField: String
    public var tagsField: String
    public var textField: String
    public var entitiesField: String
    /// Checks every example as it is read (tags: scheme and label list; spans: label list).
    /// Nil reads tags as they are.
    public var validator: TagValidator?
    public var maxRecordBytes: Int
    public var chunkSize: Int

    public init(format: TaggedDataFormat? = nil, encoding: TextEncoding? = nil, lossy: Bool = false,
                tokensField: String = "tokens", tagsField: String = "tags", textField: String = "text",
                entitiesField: String = "entities", validator: TagValidator? = TagValidator(scheme: .iob2),
                maxRecordBytes: Int = 64 << 20, chunkSize: Int = 1 << 20) {
        self.format = format; self.encoding = encoding; self.lossy = lossy
        self.tokensField = tokensField; self.tagsField = tagsField; self.textField = textField
        self.entitiesField = entitiesField; self.validator = validator
        self.maxRecordBytes = maxRecordBytes; self.chunkSize = chunkSize
    }
}

/// Streams token-classification examples out of a CoNLL or JSONL file: one chunk of the file
/// and one example in memory at a time; every error names the file and line.
///
/// **CoNLL.** Each non-blank line is one word: the token is the first column, the tag the last
/// (so `token<TAB>tag`, `token tag` and CoNLL-2003's `token POS chunk tag` all read). The first
/// data line decides the separator: a tab if it has one (then columns are split at each tab, a
/// token may contain spaces, and spaces around a field are dropped), else runs of spaces and
/// tabs. Every line must have as many columns as the first data line. Blank (or whitespace-only)
/// lines end a sentence; `-DOCSTART-` lines are skipped (and end a sentence). There are no
/// comment lines: `#` is a token in CoNLL-2003.
///
/// **JSONL.** `{"tokens": [...], "tags": [...]}` (one tag per token), or `{"text": "...",
/// "entities": [{"start": 0, "end": 5, "label": "PER"}]}` with offsets in code points (as
/// Python indexes a `str`), end exclusive; spans must lie inside the text, be non-empty and not
/// overlap. Blank lines are skipped; field names come from the options.
///
///     let reader = try TaggedDataReader(url: url)
///     while let example = try reader.next() { ... }
public final class TaggedDataReader {
    public let url: URL
    public let format: TaggedDataFormat
    public let options: TaggedReadOptions
    /// The path as errors name it (`<stdin>` for standard input).
    public var file: String { lines.path }

    private let lines: ChunkedLineReader
    private let decoder: LineDecoder
    /// CoNLL: the columns of the first data line, its line number and separator.
    private var columns: (count: Int, line: Int, tabs: Bool)?

    public init(url: URL, options: TaggedReadOptions = TaggedReadOptions()) throws {
        self.url = url
        self.options = options
        guard let fmt = options.format ?? TaggedDataFormat.infer(from: url) else {
            throw DataError.invalidArgument("\(url.path): cannot tell the format from the extension; pass the format (conll or jsonl)")
        }
        format = fmt
        lines = try ChunkedLineReader(url: url, chunkSize: options.chunkSize, maxLineBytes: options.maxRecordBytes)
        let enc = options.encoding ?? .utf8
        decoder = try LineDecoder(encoding: enc == .utf8BOM ? .utf8 : enc, lossy: options.lossy, file: lines.path)
    }

    /// The next example, or nil at end of file.
    public func next() throws -> TaggedExample? {
        let example: TaggedExample?
        switch format {
        case .conll: example = try nextSentence().map(TaggedExample.words)
        case .jsonl: example = try nextJSON()
        }
        if let example, let v = options.validator {
            switch example {
            case .words(let s): try v.validate(s, file: file, column: format == .conll ? columns?.count : nil,
                                               columnName: format == .jsonl ? options.tagsField : nil)
            case .spans(let t): try v.validate(t, file: file)
            }
        }
        return example
    }

    public func forEach(_ body: (TaggedExample) throws -> Void) throws {
        while let e = try next() { try body(e) }
    }

    /// All remaining examples (only for files known to be small).
    public func readAll() throws -> [TaggedExample] {
        var out: [TaggedExample] = []
        while let e = try next() { out.append(e) }
        return out
    }

    private func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ lineNo: Int) throws -> String {
        try decoder.decode(bytes) { SourceLocation(file: lines.path, line: lineNo) }
    }

    // MARK: CoNLL

    private enum ConllLine { case word(String, String, Int), boundary }

    private func nextSentence() throws -> TaggedSentence? {
        var words: [String] = [], tags: [String] = [], wordLines: [Int] = []
        while true {
            let got = try lines.nextLine { bytes, _, lineNo in try parseConll(try decode(bytes, lineNo), lineNo) }
            switch got {
            case .word(let w, let t, let line)?:
                words.append(w); tags.append(t); wordLines.append(line)
            case .boundary?:
                if !words.isEmpty { return TaggedSentence(words: words, tags: tags, line: wordLines[0], wordLines: wordLines) }
            case nil:
                return words.isEmpty ? nil : TaggedSentence(words: words, tags: tags, line: wordLines[0], wordLines: wordLines)
            }
        }
    }

    private static func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" }

    private static func trimmingSpaces(_ f: Substring) -> Substring {
        guard let first = f.firstIndex(where: { $0 != " " }), let last = f.lastIndex(where: { $0 != " " }) else { return f.prefix(0) }
        return f[first...last]
    }

    private func parseConll(_ s: String, _ lineNo: Int) throws -> ConllLine {
        if s.allSatisfy(Self.isBlank) { return .boundary }
        let tabs = columns?.tabs ?? s.contains("\t")
        let fields: [Substring] = tabs
            ? s.split(separator: "\t", omittingEmptySubsequences: false).map(Self.trimmingSpaces)
            : s.split(whereSeparator: Self.isBlank)
        if fields.first == "-DOCSTART-" { return .boundary }
        let loc = SourceLocation(file: lines.path, line: lineNo)
        if let columns {
            if fields.count != columns.count {
                throw DataError.inconsistentColumns(loc, fields: fields.count, expected: columns.count, firstLine: columns.line)
            }
        } else {
            guard fields.count >= 2 else { throw DataError.columnCount(loc, fields: fields.count, allowed: 2...Int.max) }
            columns = (fields.count, lineNo, tabs)
        }
        for (i, f) in [(0, fields[0]), (fields.count - 1, fields[fields.count - 1])] where f.isEmpty {
            throw DataError.emptyField(SourceLocation(file: lines.path, line: lineNo, column: i + 1))
        }
        return .word(String(fields[0]), String(fields[fields.count - 1]), lineNo)
    }

    // MARK: JSONL

    private func nextJSON() throws -> TaggedExample? {
        while true {
            let got: TaggedExample?? = try lines.nextLine { bytes, _, lineNo in
                let s = try decode(bytes, lineNo)
                if s.allSatisfy({ $0.isWhitespace }) { return TaggedExample?.none }
                return try parseJSONLine(s, lineNo)
            }
            guard let maybe = got else { return nil }
            if let e = maybe { return e }
        }
    }

    private func parseJSONLine(_ s: String, _ lineNo: Int) throws -> TaggedExample {
        let loc = SourceLocation(file: lines.path, line: lineNo)
        func at(_ field: String) -> SourceLocation { var l = loc; l.columnName = field; return l }
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: Data(s.utf8), options: [.fragmentsAllowed]) } catch {
            throw DataError.invalidJSON(loc, reason: "cannot parse the line as JSON")
        }
        guard let dict = obj as? [String: Any] else { throw DataError.invalidJSON(loc, reason: "expected an object {...}") }
        let o = options
        if let rawTokens = dict[o.tokensField] {
            func strings(_ v: Any?, _ field: String) throws -> [String] {
                guard let v else { throw DataError.missingField(at(field)) }
                guard let list = v as? [Any], let out = list as? [String], out.count == list.count else {
                    throw DataError.invalidJSON(at(field), reason: "'\(field)' must be a list of strings")
                }
                return out
            }
            let tokens = try strings(rawTokens, o.tokensField)
            let tags = try strings(dict[o.tagsField], o.tagsField)
            if tokens.isEmpty { throw DataError.emptyText(at(o.tokensField)) }
            if tokens.count != tags.count { throw DataError.lengthMismatch(loc, tokens: tokens.count, tags: tags.count) }
            if let i = tokens.firstIndex(where: \.isEmpty) { throw DataError.emptyField(at("\(o.tokensField)[\(i)]")) }
            if let i = tags.firstIndex(where: \.isEmpty) { throw DataError.emptyField(at("\(o.tagsField)[\(i)]")) }
            return .words(TaggedSentence(words: tokens, tags: tags, line: lineNo))
        }
        guard let rawText = dict[o.textField] else {
            throw DataError.invalidJSON(loc, reason: "expected \"\(o.tokensField)\" and \"\(o.tagsField)\", or \"\(o.textField)\" and \"\(o.entitiesField)\"")
        }
        guard let text = rawText as? String else { throw DataError.invalidJSON(at(o.textField), reason: "'\(o.textField)' must be a string") }
        guard let rawSpans = dict[o.entitiesField] else { throw DataError.missingField(at(o.entitiesField)) }
        guard let list = rawSpans as? [Any] else { throw DataError.invalidJSON(at(o.entitiesField), reason: "'\(o.entitiesField)' must be a list") }
        let length = text.unicodeScalars.count
        var spans: [EntitySpan] = []
        for (i, item) in list.enumerated() {
            func bad(_ p: SpanProblem) -> DataError { DataError.invalidSpan(at(o.entitiesField), index: i, problem: p) }
            guard let d = item as? [String: Any] else { throw bad(.notAnObject) }
            func int(_ name: String) throws -> Int {
                // Integers only: 3.0 and true arrive as NSNumbers too.
                guard let n = d[name] as? NSNumber, ["i", "l", "q", "s"].contains(String(cString: n.objCType)) else { throw bad(.badField(name)) }
                return n.intValue
            }
            let start = try int("start"), end = try int("end")
            guard let label = d["label"] as? String, !label.isEmpty else { throw bad(.badField("label")) }
            guard start < end else { throw bad(.emptyOrReversed(start: start, end: end)) }
            guard start >= 0, end <= length else { throw bad(.outsideText(start: start, end: end, length: length)) }
            spans.append(EntitySpan(start: start, end: end, label: label))
        }
        let order = spans.indices.sorted { (spans[$0].start, spans[$0].end, $0) < (spans[$1].start, spans[$1].end, $1) }
        for (a, b) in zip(order, order.dropFirst()) where spans[b].start < spans[a].end {
            let (first, second) = (min(a, b), max(a, b))   // name the later-listed span, against the earlier one
            throw DataError.invalidSpan(at(o.entitiesField), index: second,
                                        problem: .overlaps(start: spans[second].start, end: spans[second].end, other: first,
                                                           otherStart: spans[first].start, otherEnd: spans[first].end))
        }
        return .spans(SpanAnnotatedText(text: text, spans: order.map { spans[$0] }, line: lineNo))
    }
}
