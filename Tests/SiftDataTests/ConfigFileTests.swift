import Foundation
import Testing
import SiftCore
import SiftTestSupport
@testable import SiftData

/// Redaction configs through Yams / JSONDecoder: unknown keys are refused, naming the key, its
/// place and the file; syntax errors name the line.
@Suite struct RedactionConfigFileTests {
    func problem(_ name: String, _ text: String) -> String {
        do {
            let url = try tempFile(name, text)
            _ = try RedactionConfig.load(url: url)
            return ""
        } catch { return (error as? DataError)?.errorDescription ?? "\(error)" }
    }

    @Test func unknownKeysAreRefusedInJSONAndYAML() {
        for (name, text, key) in [
            ("top.json", #"{"kinds": ["card"], "hash_kee": "k"}"#, "'hash_kee'"),
            ("top.yaml", "kinds: [card]\nhash_kee: k\n", "'hash_kee'"),
            ("pattern.json", #"{"patterns": [{"name": "x", "regex": "a", "flags": "i"}]}"#, "'patterns[0].flags'"),
            ("pattern.yml", "patterns:\n  - name: x\n    regex: a\n  - name: y\n    regex: b\n    flags: i\n", "'patterns[1].flags'"),
        ] {
            let p = problem(name, text)
            #expect(p.contains(name) && p.contains("unknown key \(key)"), "\(name): \(p)")
            #expect(p.contains("known here:"), "\(name): \(p)")
        }
    }

    @Test func errorsNameTheFileAndTheFieldOrLine() {
        let wrongType = problem("t.yaml", "kinds: card\n")
        #expect(wrongType.contains("t.yaml") && wrongType.contains("'kinds'"), "\(wrongType)")
        let missing = problem("m.json", #"{"patterns": [{"name": "x"}]}"#)
        #expect(missing.contains("m.json") && missing.contains("patterns[0].regex"), "\(missing)")
        let syntax = problem("s.yaml", "kinds: [card\n")
        #expect(syntax.contains("s.yaml:") && syntax.contains("not valid YAML"), "\(syntax)")
        let json = problem("j.json", "{\"kinds\": [}")
        #expect(json.contains("j.json"), "\(json)")
    }

    @Test func yamlFeaturesBeyondTheOldSubsetWork() throws {
        // Block scalars, anchors and nested flow maps: what the hand-written subset refused.
        let url = try tempFile("full.yaml", """
        kinds: &k [email]
        patterns:
          - {name: ticket, regex: 'T#[0-9]+'}
          - name: >-
              employee id
            regex: "EMP-[0-9]{6}"
        hash_key: |-
          multi
          line
        """)
        let c = try RedactionConfig.load(url: url)
        #expect(c.kinds == [.email])
        #expect(c.patterns == [CustomPIIPattern(name: "ticket", regex: "T#[0-9]+"), CustomPIIPattern(name: "employee id", regex: "EMP-[0-9]{6}")])
        #expect(c.hashKey == "multi\nline")
    }
}

/// SiftData's writers go through SiftCore's `AtomicWriter`.
@Suite struct DataWriterTests {
    @Test func aRecordWriterNeverCommittedLeavesNothing() throws {
        let dir = scratchFolder("data"); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.csv")
        do {
            let w = try RecordWriter(url: out, format: .csv, header: ["text", "label"], textColumn: "text")
            try w.write(Record(line: 2, text: "a", fields: ["text": "a", "label": "x"]))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func aFullDiskIsATypedErrorAndKeepsTheOldFile() throws {
        guard let fs = SmallDisk(kilobytes: 64) else { return }
        defer { fs.unmount() }
        let out = fs.root.appendingPathComponent("split.csv")
        try AtomicWriter.write(Data("text,label\nold,x\n".utf8), to: out)
        let w = try RecordWriter(url: out, format: .csv, header: ["text", "label"], textColumn: "text")
        let line = String(repeating: "z", count: 1000)
        #expect(throws: WriteError.diskFull(path: out.path)) {
            for i in 0..<200 { try w.write(Record(line: i + 2, text: line, fields: ["text": line, "label": "\(i)"])) }
            try w.commit()
        }
        #expect(try String(contentsOf: out, encoding: .utf8) == "text,label\nold,x\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fs.root.path) == ["split.csv"])
        _ = AtomicFileWriter.self   // the old name still compiles for existing call sites
    }
}
