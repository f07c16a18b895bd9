import Foundation
import SiftData

/// The BBC news corpus as `scripts/setup.sh` installs it: `<dir>/<label>/NNN.txt`.
///
/// The corpus is documented as Latin-1, but most files are in fact UTF-8 (`£` is C2 A3) and
/// one is Latin-1 (sports/199.txt has a bare A3). Each file is therefore read as UTF-8 when it
/// is valid UTF-8 and as Latin-1 otherwise; reading everything as Latin-1 would turn every
/// `£` into `Â£`.
public enum BBCCorpus {
    /// All documents, ordered by label then file name; the label is the folder name.
    public static func load(directory: URL) throws -> LabeledDataset {
        let fm = FileManager.default
        guard let labels = try? fm.contentsOfDirectory(atPath: directory.path) else {
            throw DataError.cannotOpen(file: directory.path, reason: "not a readable directory (run scripts/setup.sh?)")
        }
        var examples: [LabeledExample] = []
        let labelDirs = labels.filter { name in
            var isDir: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
        }.sorted()
        for label in labelDirs {
            let dir = directory.appendingPathComponent(label)
            let files = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
            for (i, f) in files.enumerated() {
                let url = dir.appendingPathComponent(f)
                guard let data = fm.contents(atPath: url.path) else {
                    throw DataError.cannotOpen(file: url.path, reason: "unreadable")
                }
                let text = decodeUTF8OrLatin1(data).trimmingCharacters(in: .whitespacesAndNewlines)
                examples.append(LabeledExample(text: text, labels: [label], line: i + 1, source: "\(label)/\(f)"))
            }
        }
        if examples.isEmpty {
            throw DataError.cannotOpen(file: directory.path, reason: "no <label>/*.txt files found")
        }
        return LabeledDataset(examples: examples, labelNames: labelDirs)
    }

    static func decodeUTF8OrLatin1(_ data: Data) -> String {
        if let s = String(validating: data, as: UTF8.self) { return s }
        return String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) }))
    }
}
