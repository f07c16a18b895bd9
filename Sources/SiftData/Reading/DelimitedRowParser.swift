/// RFC 4180 fields, fed one physical line of raw bytes at a time so a quoted field may span
/// lines.
///
/// Rules: a field that starts with `"` is quoted; inside it `""` is a literal quote and line
/// breaks are kept (with the file's own "\n" or "\r\n"); after the closing quote only the
/// delimiter or the end of the line may follow. A `"` in the middle of an unquoted field is
/// kept literally (as Python's csv module does), since real files write `5" screen` unquoted.
///
/// Unquoted fields are decoded straight from the line's bytes; only quoted fields are copied
/// (to drop the escaping).
struct DelimitedRowParser {
    let delimiter: UInt8
    let file: String

    /// Turns one field's bytes into a String: (bytes, 1-based column, line).
    typealias Decode = (UnsafeBufferPointer<UInt8>, Int, Int) throws -> String

    private var fields: [String] = []
    private var current: [UInt8] = []
    private var inQuotes = false
    private var quoteLine = 0
    private var quoteColumn = 0
    private var previousLineCRLF = false
    private(set) var rowStartLine = 0

    init(delimiter: UInt8, file: String) {
        self.delimiter = delimiter
        self.file = file
    }

    var isInsideQuotes: Bool { inQuotes }

    /// Feeds one line (without its terminator). Returns the row's fields when the row ends on
    /// this line, nil when a quoted field continues on the next line, [] for a blank line.
    mutating func feed(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int, crlf: Bool, decode: Decode) throws -> [String]? {
        let n = line.count
        var i = 0
        if !inQuotes {
            rowStartLine = lineNumber
            fields.removeAll(keepingCapacity: true)
            if n == 0 { return [] }
        } else {
            // The previous line's break belongs to the quoted field, as written.
            if previousLineCRLF { current.append(0x0D) }
            current.append(0x0A)
            i = try continueQuoted(line, from: 0, lineNumber: lineNumber)
            if inQuotes { previousLineCRLF = crlf; return nil }
            try finishQuotedField(line, at: i, lineNumber: lineNumber, decode: decode)
            if i >= n { return fields }
            i += 1   // the delimiter
            if i == n { fields.append(try decode(UnsafeBufferPointer(rebasing: line[n..<n]), fields.count + 1, lineNumber)); return fields }
        }
        while true {
            // Start of a field at i.
            if i < n, line[i] == 0x22 {
                inQuotes = true
                quoteLine = lineNumber
                quoteColumn = fields.count + 1
                current.removeAll(keepingCapacity: true)
                i = try continueQuoted(line, from: i + 1, lineNumber: lineNumber)
                if inQuotes { previousLineCRLF = crlf; return nil }
                try finishQuotedField(line, at: i, lineNumber: lineNumber, decode: decode)
            } else {
                var j = i
                while j < n, line[j] != delimiter { j += 1 }
                fields.append(try decode(UnsafeBufferPointer(rebasing: line[i..<j]), fields.count + 1, lineNumber))
                i = j
            }
            if i >= n { return fields }
            i += 1   // skip the delimiter
            if i == n {   // a trailing delimiter ends with an empty field
                fields.append(try decode(UnsafeBufferPointer(rebasing: line[n..<n]), fields.count + 1, lineNumber))
                return fields
            }
        }
    }

    /// Copies quoted content from `from` until the closing quote; returns the index after it
    /// (inQuotes false), or n with inQuotes still true when the line ends inside the quotes.
    private mutating func continueQuoted(_ line: UnsafeBufferPointer<UInt8>, from: Int, lineNumber: Int) throws -> Int {
        let n = line.count
        var i = from
        while i < n {
            let b = line[i]
            if b == 0x22 {
                if i + 1 < n, line[i + 1] == 0x22 { current.append(0x22); i += 2; continue }
                inQuotes = false
                return i + 1
            }
            current.append(b)
            i += 1
        }
        return n
    }

    /// After a closing quote at `i`: only a delimiter or the end of the line may follow.
    private mutating func finishQuotedField(_ line: UnsafeBufferPointer<UInt8>, at i: Int, lineNumber: Int, decode: Decode) throws {
        if i < line.count, line[i] != delimiter {
            let ch = String(decoding: UnsafeBufferPointer(rebasing: line[i..<min(line.count, i + 4)]), as: UTF8.self).prefix(1)
            throw DataError.badQuote(SourceLocation(file: file, line: lineNumber, column: fields.count + 1), found: "'\(ch)'")
        }
        let value = try current.withUnsafeBufferPointer { try decode($0, fields.count + 1, quoteLine) }
        fields.append(value)
    }

    /// Call at end of input: a quote still open is an error naming where it was opened.
    func finish() throws {
        if inQuotes {
            throw DataError.unterminatedQuote(SourceLocation(file: file, line: quoteLine, column: quoteColumn))
        }
    }
}
