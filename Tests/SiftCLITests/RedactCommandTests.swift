import Foundation
import Testing
@testable import SiftCLI
import SiftData

@Test func redactCommandWritesAtomicallyAndReports() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-redact-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let input = dir.appendingPathComponent("in.csv")
    try "id,text\n1,\"call 13812345678 or a@b.com\"\n2,no pii\n".write(to: input, atomically: true, encoding: .utf8)
    let output = dir.appendingPathComponent("out.csv")
    let cmd = try SiftCommand.parseAsRoot(["redact", input.path, "-o", output.path, "--kinds", "phone,email"])
    #expect(cmd is RedactCommand)
    var run = cmd
    try run.run()
    #expect(try String(contentsOf: output, encoding: .utf8) == "id,text\n1,\"call [PHONE] or [EMAIL]\"\n2,no pii\n")
    // No temporary files left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["in.csv", "out.csv"])
    #expect(throws: (any Error).self) {
        var c = try SiftCommand.parseAsRoot(["redact", input.path, "--kinds", "passport"])
        try c.run()
    }
}
