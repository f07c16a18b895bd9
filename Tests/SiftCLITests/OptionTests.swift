import ArgumentParser
import Foundation
import Testing
@testable import SiftCLI
import SiftCore
import SiftData

/// Typed options: a bad choice or list item stops parsing, before any file is read.
@Suite struct OptionTests {
    @Test func versionComesFromTheOneConstant() throws {
        #expect(SiftCommand.configuration.version == SiftVersion.current)
        do {
            _ = try SiftCommand.parseAsRoot(["--version"])
            Issue.record("--version must exit")
        } catch {
            #expect(SiftCommand.message(for: error) == SiftVersion.current)
        }
    }

    @Test func formatsAndEncodingsAreEnums() throws {
        let cmd = try #require(try SiftCommand.parseAsRoot(["data", "inspect", "f", "--format", "tab", "--encoding", "latin1"]) as? DataInspectCommand)
        #expect(cmd.data.format == .tsv)
        #expect(cmd.data.encoding == .latin1)
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["data", "inspect", "f", "--format", "xml"]) }
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["data", "inspect", "f", "--encoding", "ebcdic"]) }
        let embed = try #require(try SiftCommand.parseAsRoot(["embed", "m", "--format", "jsonl"]) as? EmbedCommand)
        #expect(embed.source.format == .jsonl)
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["predict", "m", "--format", "yaml"]) }
    }

    @Test func tokenizeSharesTheTextGroup() throws {
        let t = try #require(try SiftCommand.parseAsRoot(["tokenize", "m", "-i", "in.csv", "--text-column", "body", "--lossy",
                                                          "--truncation", "only_second"]) as? TokenizeCommand)
        #expect(t.io.input == "in.csv" && t.io.textColumn == "body" && t.io.lossy)
        #expect(t.io.resolvedFormat() == .csv)
        #expect(t.truncation == .onlySecond)
        #expect(try #require(try SiftCommand.parseAsRoot(["tokenize", "m"]) as? TokenizeCommand).io.resolvedFormat() == .text)
    }

    @Test func listsAreParsedIntoTypedArrays() throws {
        let r = try #require(try SiftCommand.parseAsRoot(["redact", "--kinds", "card, email,cn-id"]) as? RedactCommand)
        #expect(r.kinds?.values == [.card, .email, .cnID])
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["redact", "--kinds", "card,passport"]) }
        let e = try #require(try SiftCommand.parseAsRoot(["bench", "engine", "--batch-sizes", "4,16", "--only", "real"]) as? BenchEngineCommand)
        #expect(e.batchSizes.values == [4, 16])
        #expect(e.only?.values == ["real"])
        #expect(try #require(try SiftCommand.parseAsRoot(["bench", "engine"]) as? BenchEngineCommand).batchSizes.values == [1, 8, 32])
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["bench", "engine", "--batch-sizes", "1,x"]) }
        let s = try #require(try SiftCommand.parseAsRoot(["bench", "serve", "--clients", "2,8", "--batching", "off", "--endpoint", "classify"]) as? BenchServeCommand)
        #expect(s.counts == [2, 8] && s.batching.modes == [false] && s.endpoint == .classify)
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["bench", "serve", "--batching", "maybe"]) }
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["bench", "serve", "--clients", "0"]) }
    }

    @Test func trainTakesValidationUnderBothNamesAndATestFile() throws {
        for flags in [["--validation", "v.csv", "--validation-split", "0.2"], ["--eval", "v.csv", "--eval-split", "0.2"]] {
            let t = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o"] + flags) as? TrainCommand)
            #expect(t.eval == "v.csv" && t.evalSplit == 0.2 && t.test == nil)
        }
        let t = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o", "--test", "x.csv"]) as? TrainCommand)
        #expect(t.test == "x.csv")
        let help = SiftCommand.helpMessage(for: TrainCommand.self, columns: 10_000)
        #expect(help.contains("--validation, --eval <validation>") && help.contains("--test <test>"))
    }
}
