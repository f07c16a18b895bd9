import Foundation
import Testing
@testable import SiftEngine

/// |a − b| <= atol + rtol·|b| elementwise; returns the max |a − b| and whether all passed.
func allClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-4) -> (ok: Bool, maxDiff: Float) {
    guard a.count == b.count else { return (false, .infinity) }
    var ok = true, maxDiff: Float = 0
    for (x, y) in zip(a, b) {
        let d = abs(x - y)
        if !(d <= atol + rtol * abs(y)) { ok = false }
        maxDiff = max(maxDiff, d.isNaN ? .infinity : d)
    }
    return (ok, maxDiff)
}

/// A temporary directory removed when the test finishes.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sift-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}
