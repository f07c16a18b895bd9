import Foundation

/// Where in an input file something went wrong: every data error carries one, so a user can
/// open the file at the right place.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// 1-based column (field) number, and its header name when the file has one.
    public var column: Int?
    public var columnName: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil) {
        self.file = file; self.line = line; self.column = column; self.columnName = columnName
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column {
            s += ", column \(column)"
            if let columnName { s += " (\(columnName))" }
        } else if let columnName {
            s += ", column '\(columnName)'"
        }
        return s
    }
}

/// Errors from reading and validating data files. Each names the file and, where it applies,
/// the line and column, and says what to do about it.
public enum DataError: Error, LocalizedError, Sendable, Equatable {
    case cannotOpen(file: String, reason: String)
    case binaryFile(SourceLocation)
    case invalidEncoding(SourceLocation, encoding: String, suggestion: String)
    case unsupportedEncoding(file: String, name: String)
    case unterminatedQuote(SourceLocation)
    case badQuote(SourceLocation, found: String)
    case raggedRow(SourceLocation, fields: Int, expected: Int)
    case missingColumn(file: String, column: String, available: [String])
    case duplicateColumn(file: String, column: String)
    case emptyFile(file: String)
    case recordTooLarge(SourceLocation, limit: Int)
    case invalidJSON(SourceLocation, reason: String)
    case missingField(SourceLocation)
    case emptyText(SourceLocation)
    case missingLabel(SourceLocation)
    case unknownLabel(SourceLocation, label: String, known: [String])
    case invalidLabel(SourceLocation, reason: String)
    case unknownFormat(file: String)
    case invalidArgument(String)
    // Token classification (CoNLL, tagged JSONL) and the entity dictionary.
    /// A line with another number of columns than the file's first data line.
    case inconsistentColumns(SourceLocation, fields: Int, expected: Int, firstLine: Int)
    case columnCount(SourceLocation, fields: Int, allowed: ClosedRange<Int>)
    case emptyField(SourceLocation)
    case lengthMismatch(SourceLocation, tokens: Int, tags: Int)
    /// `index` is the span's 0-based position in the record's `entities` list.
    case invalidSpan(SourceLocation, index: Int, problem: SpanProblem)
    case malformedTag(SourceLocation, tag: String, scheme: TagScheme)
    case unknownTag(SourceLocation, tag: String, known: [String])
    case invalidTagTransition(SourceLocation, tag: String, neighbour: TagNeighbour, allowed: [String], scheme: TagScheme)
    case duplicateID(SourceLocation, id: String, firstLine: Int)

    public var errorDescription: String? {
        switch self {
        case .cannotOpen(let file, let reason):
            return "\(file): cannot open: \(reason)"
        case .binaryFile(let loc):
            return "\(loc): this looks like a binary file (NUL byte); Sift reads UTF-8/Latin-1/GB18030 text (CSV, TSV, JSONL, plain text)"
        case .invalidEncoding(let loc, let enc, let suggestion):
            return "\(loc): not valid \(enc). \(suggestion)"
        case .unsupportedEncoding(let file, let name):
            return "\(file): unsupported encoding '\(name)'; use utf-8, utf-8-bom, latin-1 or gb18030"
        case .unterminatedQuote(let loc):
            return "\(loc): quoted field is never closed (missing '\"' before end of file)"
        case .badQuote(let loc, let found):
            return "\(loc): unexpected \(found) after a closing quote; a quote inside a quoted field must be doubled (\"\")"
        case .raggedRow(let loc, let fields, let expected):
            return "\(loc): row has \(fields) fields but the header has \(expected)"
        case .missingColumn(let file, let column, let available):
            return "\(file): no column '\(column)'; available: \(available.joined(separator: ", "))"
        case .duplicateColumn(let file, let column):
            return "\(file): the header names column '\(column)' twice"
        case .emptyFile(let file):
            return "\(file): the file is empty (no header, no records)"
        case .recordTooLarge(let loc, let limit):
            return "\(loc): record is larger than \(limit) bytes (an unterminated quote or a missing line break?)"
        case .invalidJSON(let loc, let reason):
            return "\(loc): invalid JSON object: \(reason)"
        case .missingField(let loc):
            return "\(loc): the record has no such field"
        case .emptyText(let loc):
            return "\(loc): the text is empty"
        case .missingLabel(let loc):
            return "\(loc): the label is missing"
        case .unknownLabel(let loc, let label, let known):
            let list = known.count > 20 ? known.prefix(20).joined(separator: ", ") + ", …" : known.joined(separator: ", ")
            return "\(loc): unknown label '\(label)'; the model knows: \(list)"
        case .invalidLabel(let loc, let reason):
            return "\(loc): invalid label: \(reason)"
        case .unknownFormat(let file):
            return "\(file): cannot tell the format from the extension; pass --format csv|tsv|jsonl|text"
        case .invalidArgument(let message):
            return message
        case .inconsistentColumns(let loc, let fields, let expected, let firstLine):
            return "\(loc): line has \(fields) columns but the first data line (line \(firstLine)) has \(expected)"
        case .columnCount(let loc, let fields, let allowed):
            let want = allowed.upperBound == Int.max ? "at least \(allowed.lowerBound)"
                : allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)"
            return "\(loc): line has \(fields) column\(fields == 1 ? "" : "s"); expected \(want)"
        case .emptyField(let loc):
            return "\(loc): the field is empty"
        case .lengthMismatch(let loc, let tokens, let tags):
            return "\(loc): \(tokens) tokens but \(tags) tags; give one tag per token"
        case .invalidSpan(let loc, let index, let problem):
            return "\(loc): entity \(index) (0-based): \(problem)"
        case .malformedTag(let loc, let tag, let scheme):
            let prefixes = scheme.prefixes.map { "\($0.rawValue)-TYPE" }.joined(separator: ", ")
            return "\(loc): '\(tag)' is not a tag of the \(scheme.rawValue.uppercased()) scheme; use O, \(prefixes)"
        case .unknownTag(let loc, let tag, let known):
            let list = known.count > 20 ? known.prefix(20).joined(separator: ", ") + ", …" : known.joined(separator: ", ")
            return "\(loc): unknown tag '\(tag)'; the label list has: \(list)"
        case .invalidTagTransition(let loc, let tag, let neighbour, let allowed, let scheme):
            let options = allowed.joined(separator: " or ")
            switch neighbour {
            case .previous(let prev):
                return "\(loc): '\(tag)' \(prev.map { "follows '\($0)'" } ?? "starts the sentence"); in \(scheme.rawValue.uppercased()) it must follow \(options)"
            case .next(let next):
                return "\(loc): '\(tag)' \(next.map { "is followed by '\($0)'" } ?? "ends the sentence"); in \(scheme.rawValue.uppercased()) it must be followed by \(options)"
            }
        case .duplicateID(let loc, let id, let firstLine):
            return "\(loc): id '\(id)' is already used on line \(firstLine)"
        }
    }
}

/// What is wrong with one entity span of a JSONL record.
public enum SpanProblem: Sendable, Equatable, CustomStringConvertible {
    case notAnObject
    /// `start`, `end` or `label` is missing or of the wrong type (integers, a non-empty string).
    case badField(String)
    case emptyOrReversed(start: Int, end: Int)
    case outsideText(start: Int, end: Int, length: Int)
    case overlaps(start: Int, end: Int, other: Int, otherStart: Int, otherEnd: Int)

    public var description: String {
        switch self {
        case .notAnObject: "expected an object {\"start\", \"end\", \"label\"}"
        case .badField(let name): name == "label" ? "'label' must be a non-empty string" : "'\(name)' must be an integer"
        case .emptyOrReversed(let s, let e): "start \(s) is not before end \(e)"
        case .outsideText(let s, let e, let n): "span \(s)..<\(e) is outside the text (\(n) characters)"
        case .overlaps(let s, let e, let o, let os, let oe): "span \(s)..<\(e) overlaps entity \(o) (\(os)..<\(oe))"
        }
    }
}

/// The neighbour a tag's scheme objects to; nil is the sentence boundary.
public enum TagNeighbour: Sendable, Equatable {
    case previous(String?)
    case next(String?)
}
