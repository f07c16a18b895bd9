/// RFC 4180 fields, fed one physical line at a time so a quoted field may span lines.
///
/// Rules: a field that starts with `"` is quoted; inside it `""` is a literal quote and line
/// breaks are kept (with the file's own "\n" or "\r\n"); after the closing quote only the
/// delimiter or the end of the line may follow. A `"` in the middle of an unquoted field is
/// kept literally (as Python's csv module does), since real files write `5" screen` unquoted.
struct DelimitedRowParser {
    let delimiter: UInt8
    let file: String

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

    /// True while a quoted field is open across lines.
    var isInsideQuotes: Bool { inQuotes }

    /// Feeds one line (decoded, without its terminator). Returns the row's fields when the row
    /// ends on this line, nil when a quoted field continues on the next line.
    mutating func feed(_ line: String, lineNumber: Int, crlf: Bool) throws -> [String]? {
        if !inQuotes {
            rowStartLine = lineNumber
            fields.removeAll(keepingCapacity: true)
            current.removeAll(keepingCapacity: true)
        } else {
            // The previous line's break belongs to the quoted field, as written.
            if previousLineCRLF { current.append(0x0D) }
            current.append(0x0A)
        }
        var afterClosingQuote = false
        var fieldStart = true
        var lineBytes = Array(line.utf8)
        if !inQuotes && lineBytes.isEmpty { return [] }   // blank line: no fields at all
        var i = 0
        let n = lineBytes.count
        while i < n {
            let b = lineBytes[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < n, lineBytes[i + 1] == 0x22 { current.append(0x22); i += 2; continue }
                    inQuotes = false
                    afterClosingQuote = true
                    i += 1
                    continue
                }
                current.append(b)
                i += 1
                continue
            }
            if b == delimiter {
                fields.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
                afterClosingQuote = false
                fieldStart = true
                i += 1
                continue
            }
            if afterClosingQuote {
                let column = fields.count + 1
                let ch = String(decoding: lineBytes[i..<min(n, i + 4)], as: UTF8.self).prefix(1)
                throw DataError.badQuote(SourceLocation(file: file, line: lineNumber, column: column), found: "'\(ch)'")
            }
            if b == 0x22 && fieldStart && current.isEmpty {
                inQuotes = true
                quoteLine = lineNumber
                quoteColumn = fields.count + 1
                fieldStart = false
                i += 1
                continue
            }
            fieldStart = false
            current.append(b)
            i += 1
        }
        lineBytes.removeAll()
        if inQuotes { previousLineCRLF = crlf; return nil }
        fields.append(String(decoding: current, as: UTF8.self))
        current.removeAll(keepingCapacity: true)
        return fields
    }

    /// Call at end of input: a quote still open is an error naming where it was opened.
    func finish() throws {
        if inQuotes {
            throw DataError.unterminatedQuote(SourceLocation(file: file, line: quoteLine, column: quoteColumn))
        }
    }
}
