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
        }
    }
}
