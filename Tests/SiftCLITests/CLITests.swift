import Foundation
import Testing
@testable import SiftCLI
import SiftTestSupport

@Test func rootParsesTokenize() throws {
    let cmd = try SiftCommand.parseAsRoot(["tokenize", "dir", "--max-length", "8", "--truncation", "only_first"])
    let t = try #require(cmd as? TokenizeCommand)
    #expect(t.maxLength == 8)
    #expect(t.truncation == .onlyFirst)
    #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["tokenize", "dir", "--truncation", "sideways"]) }
    #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["tokenize", "dir", "--max-length", "0"]) }
}

@Test func tokenizeCommandWritesJSONLines() async throws {
    guard FileManager.default.fileExists(atPath: TestPaths.miniLM.appendingPathComponent("tokenizer.json").path) else {
        Issue.record("run scripts/setup.sh: \(TestPaths.miniLM.path) is missing"); return
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("in.jsonl"), output = dir.appendingPathComponent("out.jsonl")
    try Data(#"{"text":"Hello, world!","text_pair":"Bonjour"}\#n{"text":"日本"}\#n"#.utf8).write(to: input)
    let cmd = try #require(try SiftCommand.parseAsRoot([
        "tokenize", TestPaths.miniLM.path, "-i", input.path, "-o", output.path]) as? TokenizeCommand)
    try await cmd.run()
    let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
    let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    #expect(first["input_ids"] as? [Int] == [101, 7592, 1010, 2088, 999, 102, 14753, 23099, 2099, 102])
    #expect(first["token_type_ids"] as? [Int] == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    #expect((first["offsets"] as? [[Int]])?[1] == [0, 5])
    let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
    #expect(second["tokens"] as? [String] == ["[CLS]", "日", "本", "[SEP]"])
}

@Test func rootParsesServe() throws {
    let cmd = try SiftCommand.parseAsRoot(["serve", "--model", "retail=/m/r", "--model", "fin=/m/f", "--port", "0", "--no-batching", "--no-audit"])
    let s = try #require(cmd as? ServeCommand)
    let config = try s.options.resolve()
    #expect(config.models.keys.sorted() == ["fin", "retail"])
    #expect(config.models["retail"]?.path == "/m/r")
    #expect(config.port == 0)
    #expect(config.batching.enabled == false)
    #expect(config.audit.path == nil)
    #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["serve", "--model", "../x=/m"]) }
    #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["serve", "--model", "x=/m", "--log-format", "xml"]) }
}
