import Foundation

/// Writes test input to a fresh temporary file and returns its URL.
func tempFile(_ name: String, _ bytes: [UInt8]) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-data-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
}

func tempFile(_ name: String, _ text: String) throws -> URL {
    try tempFile(name, Array(text.utf8))
}
