import Foundation

/// Known entities to link mentions to, read from a TSV file:
///
///     # comment lines start with '#'; blank lines are skipped
///     id	type	name	aliases
///     Q567	PER	Angela Merkel	Merkel|Angela Dorothea Merkel
///     Q64	LOC	Berlin
///
/// Columns: id, type, canonical name, and optionally aliases separated by `|`. The header line
/// (exactly those names, three or four of them) is allowed as the first non-comment line.
/// Fields are trimmed; id, type and name must not be empty; ids are unique. Errors name the
/// file and line.
public struct EntityDictionary: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var type: String
        public var name: String
        public var aliases: [String]
        /// The line in the dictionary file (or the 1-based position in the list given).
        public var line: Int

        public init(id: String, type: String, name: String, aliases: [String] = [], line: Int = 0) {
            self.id = id; self.type = type; self.name = name; self.aliases = aliases; self.line = line
        }
    }

    public let entries: [Entry]
    /// Where the entries came from, as errors name it.
    public let source: String
    private let byID: [String: Int]

    /// Entries built in code; `source` names them in errors (a duplicate id).
    public init(entries: [Entry], source: String = "<entries>") throws {
        var byID: [String: Int] = [:]
        byID.reserveCapacity(entries.count)
        var list = entries
        for i in list.indices {
            if list[i].line == 0 { list[i].line = i + 1 }
            if let first = byID[list[i].id] {
                throw DataError.duplicateID(SourceLocation(file: source, line: list[i].line), id: list[i].id, firstLine: list[first].line)
            }
            byID[list[i].id] = i
        }
        self.entries = list
        self.source = source
        self.byID = byID
    }

    /// Reads a dictionary file (UTF-8 unless told otherwise; a UTF-8 byte-order mark is fine).
    public init(url: URL, encoding: TextEncoding? = nil, lossy: Bool = false) throws {
        let lines = try ChunkedLineReader(url: url, maxLineBytes: 1 << 20)
        let enc = encoding ?? .utf8
        let decoder = try LineDecoder(encoding: enc == .utf8BOM ? .utf8 : enc, lossy: lossy, file: lines.path)
        var entries: [Entry] = []
        var sawData = false
        while let entry = try lines.nextLine({ bytes, _, lineNo -> Entry? in
            let s = try decoder.decode(bytes) { SourceLocation(file: lines.path, line: lineNo) }
            if s.allSatisfy(\.isWhitespace) || s.hasPrefix("#") { return nil }
            let fields = s.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            defer { sawData = true }
            if !sawData, Self.isHeader(fields) { return nil }
            return try Self.entry(fields, SourceLocation(file: lines.path, line: lineNo))
        }) {
            if let e = entry { entries.append(e) }
        }
        try self.init(entries: entries, source: lines.path)
    }

    private static let columns = ["id", "type", "name", "aliases"]

    private static func isHeader(_ fields: [String]) -> Bool {
        (3...4).contains(fields.count) && fields.map { $0.lowercased() } == Array(columns.prefix(fields.count))
    }

    private static func entry(_ f: [String], _ loc: SourceLocation) throws -> Entry {
        guard (3...4).contains(f.count) else { throw DataError.columnCount(loc, fields: f.count, allowed: 3...4) }
        for i in 0..<3 where f[i].isEmpty {
            var l = loc; l.column = i + 1; l.columnName = columns[i]
            throw DataError.emptyField(l)
        }
        let aliases = f.count == 4 ? f[3].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : []
        return Entry(id: f[0], type: f[1], name: f[2], aliases: aliases, line: loc.line ?? 0)
    }

    public var count: Int { entries.count }

    public func entry(id: String) -> Entry? { byID[id].map { entries[$0] } }
}
