/// The one version string: `sift --version`, and wherever a file records what wrote it.
public enum SiftVersion {
    public static let current = "0.2.0"
}
