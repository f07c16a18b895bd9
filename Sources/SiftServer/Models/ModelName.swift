/// Model names appear in URLs, metrics labels and file names: only a short, plain alphabet is
/// accepted so that no name can carry a path (`..`, `/`), whitespace or markup.
public enum ModelName {
    public static let maxLength = 64

    /// Returns nil when the name is acceptable, else why it is not.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "model name is empty" }
        if name.utf8.count > maxLength { return "model name is longer than \(maxLength) characters" }
        guard let first = name.unicodeScalars.first, isAlnum(first) else {
            return "model name must start with a letter or digit"
        }
        for s in name.unicodeScalars where !(isAlnum(s) || s == "-" || s == "_" || s == ".") {
            return "model name may only contain letters, digits, '-', '_' and '.'"
        }
        if name.contains("..") { return "model name may not contain '..'" }
        return nil
    }

    public static func isValid(_ name: String) -> Bool { problem(with: name) == nil }

    private static func isAlnum(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
    }
}
