import ArgumentParser
import Foundation
import Testing
@testable import SiftCLI
import SiftTestSupport

/// Runs `body` with `text` on the commands' standard input: a real pipe, handed to the commands
/// through the task-local `StandardInput.url` so parallel tests do not share the process's stdin.
func withStandardInput<T>(_ text: String, _ body: () async throws -> T) async throws -> T {
    let pipe = Pipe()
    try pipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    try pipe.fileHandleForWriting.close()
    let url = URL(fileURLWithPath: "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)")
    let result = try await StandardInput.$url.withValue(url) { try await body() }
    withExtendedLifetime(pipe) {}
    return result
}

/// Every command whose help promises standard input reads it.
@Suite struct StandardInputTests {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-stdin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    static let readers: Set<String> = ["RedactCommand", "TokenizeCommand", "EmbedCommand", "PredictCommand", "ZeroShotCommand",
                                       "NERCommand", "ExplainCommand"]

    @Test func theCommandsWhoseHelpMentionsStandardInputAreTheOnesTestedHere() {
        func all(_ c: ParsableCommand.Type) -> [ParsableCommand.Type] {
            [c] + c.configuration.subcommands.flatMap(all)
        }
        let mentioning = all(SiftCommand.self).dropFirst().filter {
            SiftCommand.helpMessage(for: $0, columns: 10_000).contains("standard input")
        }
        #expect(Set(mentioning.map { "\($0)" }) == Self.readers)
    }

    @Test func redactReadsStandardInputWithOrWithoutDash() async throws {
        for args in [[], ["-"]] {
            let out = dir.appendingPathComponent("redacted-\(args.count).txt")
            var cmd = try SiftCommand.parseAsRoot(["redact"] + args + ["-o", out.path])
            try await withStandardInput("x 4111111111111111\nno pii\n") { try cmd.run() }
            #expect(try String(contentsOf: out, encoding: .utf8) == "x [CARD]\nno pii\n")
        }
    }

    @Test func tokenizeReadsStandardInput() async throws {
        let out = dir.appendingPathComponent("tokens.jsonl")
        let cmd = try #require(try SiftCommand.parseAsRoot([
            "tokenize", TestPaths.fixture("tiny-bert/base").path, "-o", out.path]) as? TokenizeCommand)
        try await withStandardInput("the first\nof them\n") { try await cmd.run() }
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("\"input_ids\":[") })
    }

    /// `-o FILE` appears whole or not at all: a bad line midway leaves the previous file untouched.
    @Test func jsonlOutputIsReplacedOnlyWhenTheCommandSucceeds() async throws {
        let out = dir.appendingPathComponent("kept.jsonl"), input = dir.appendingPathComponent("bad.txt")
        try Data("previous run\n".utf8).write(to: out)
        try Data("the first\n".utf8 + [0xFF, 0xFE, 0x0A] + "of them\n".utf8).write(to: input)
        let cmd = try #require(try SiftCommand.parseAsRoot([
            "tokenize", TestPaths.fixture("tiny-bert/base").path, "-i", input.path, "-o", out.path]) as? TokenizeCommand)
        await #expect(throws: (any Error).self) { try await cmd.run() }
        #expect(try String(contentsOf: out, encoding: .utf8) == "previous run\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains("kept.jsonl.") }, "no temporary left")
    }

    @Test func tokenizeReadsCSVFromStandardInputWithFormat() async throws {
        let out = dir.appendingPathComponent("tokens.jsonl")
        let cmd = try #require(try SiftCommand.parseAsRoot([
            "tokenize", TestPaths.fixture("tiny-bert/base").path, "-o", out.path, "--format", "csv", "--text-column", "body"]) as? TokenizeCommand)
        try await withStandardInput("id,body\n1,the first\n2,of them\n3,it\n") { try await cmd.run() }
        #expect(try String(contentsOf: out, encoding: .utf8).split(separator: "\n").count == 3)
    }

    @Test func embedAndPredictReadStandardInput() async throws {
        let embedded = dir.appendingPathComponent("e.jsonl"), predicted = dir.appendingPathComponent("p.jsonl")
        let embed = try #require(try SiftCommand.parseAsRoot([
            "embed", TestPaths.fixture("tiny-bert/base").path, "-o", embedded.path]) as? EmbedCommand)
        try await withStandardInput("the first of them\nit\n") { try await embed.run() }
        #expect(try String(contentsOf: embedded, encoding: .utf8).split(separator: "\n").count == 2)
        let predict = try #require(try SiftCommand.parseAsRoot([
            "predict", TestPaths.fixture("tiny-bert/single-label").path, "-i", "-", "-o", predicted.path]) as? PredictCommand)
        try await withStandardInput("the first of them\nit\nthree\n") { try await predict.run() }
        #expect(try String(contentsOf: predicted, encoding: .utf8).split(separator: "\n").count == 3)
    }

    @Test func nerAndExplainReadStandardInput() async throws {
        let entities = dir.appendingPathComponent("n.jsonl"), explained = dir.appendingPathComponent("x.jsonl")
        let ner = try #require(try SiftCommand.parseAsRoot([
            "ner", TestPaths.fixture("entities/tiny-ner").path, "-o", entities.path]) as? NERCommand)
        try await withStandardInput("Angela Merkel visited Paris\nno one\n") { try await ner.run() }
        #expect(try String(contentsOf: entities, encoding: .utf8).split(separator: "\n").count == 2)
        let explain = try #require(try SiftCommand.parseAsRoot([
            "explain", TestPaths.fixture("entities/tiny-cls").path, "-i", "-", "-o", explained.path, "--method", "occlusion"]) as? ExplainCommand)
        try await withStandardInput("great value\nslow delivery\nok\n") { try await explain.run() }
        #expect(try String(contentsOf: explained, encoding: .utf8).split(separator: "\n").count == 3)
    }

    @Test func zeroShotReadsStandardInput() async throws {
        let out = dir.appendingPathComponent("z.jsonl")
        let cmd = try #require(try SiftCommand.parseAsRoot([
            "zero-shot", TestPaths.fixture("fewshot/nli-entail-last").path, "--labels", "city,school", "-o", out.path]) as? ZeroShotCommand)
        try await withStandardInput("he was at school\nthe city\n") { try await cmd.run() }
        #expect(try String(contentsOf: out, encoding: .utf8).split(separator: "\n").count == 2)
    }
}
