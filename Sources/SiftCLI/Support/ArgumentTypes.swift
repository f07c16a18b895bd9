import ArgumentParser
import Foundation
import SiftData
import SiftTokenizers

// Choices are parsed into the library's own enums at the command line, so a typo stops
// `sift` before any file is read and no command compares strings.

extension DataFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension TextEncoding: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension PIIKind: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
}

extension TruncationStrategy: ExpressibleByArgument {}

/// A comma-separated list of one typed value each, as in `--batch-sizes 1,8,32` or
/// `--kinds card,email`; any item that does not parse rejects the whole argument.
struct CommaSeparated<Element: ExpressibleByArgument>: ExpressibleByArgument {
    var values: [Element]

    init(_ values: [Element]) { self.values = values }

    init?(argument: String) {
        var out: [Element] = []
        for item in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Element(argument: item.trimmingCharacters(in: .whitespaces)) else { return nil }
            out.append(v)
        }
        guard !out.isEmpty else { return nil }
        values = out
    }

    var defaultValueDescription: String {
        values.map { $0.defaultValueDescription }.joined(separator: ",")
    }
}
