import Foundation
import Testing
import SiftTestSupport
@testable import SiftData

@Suite struct RecordReaderTests {
    @Test func csvRFC4180QuotingMultilineAndCRLF() throws {
        let url = TestPaths.fixture("data/crlf_multiline.csv")
        let reader = try RecordReader(url: url, labelColumn: "label")
        #expect(reader.header == ["id", "text", "label"])
        let rows = try reader.readAll()
        #expect(rows.count == 3)
        #expect(rows[0] == Record(line: 2, text: "Hello, world", label: "greeting", fields: ["id": "1", "text": "Hello, world", "label": "greeting"]))
        // Escaped quotes and a line break (CRLF kept as written) inside a quoted field.
        #expect(rows[1].text == "She said \"hi\"\r\nthen left")
        #expect(rows[1].line == 3)
        // The blank line is skipped and line numbers still count physical lines.
        #expect(rows[2].line == 6)
        #expect(rows[2].text == "plain text")
    }

    @Test func csvEdgeCases() throws {
        // Empty fields, a trailing delimiter, a quoted empty field, an unquoted quote, a quoted
        // field that ends exactly at a line break and continues, multi-byte text next to quotes.
        let url = try tempFile("e.csv", "a,text,c\n,,\n\"\",x 5\" screen,\n1,\"中文\",\"\"\"q\"\"\"\n2,\"\nstarts with a break\",z\n")
        let rows = try RecordReader(url: url).readAll()
        #expect(rows.map(\.values) == [["", "", ""], ["", "x 5\" screen", ""], ["1", "中文", "\"q\""], ["2", "\nstarts with a break", "z"]])
        #expect(rows.map(\.line) == [2, 3, 4, 5])
    }

    @Test func tsvAndColumnSelection() throws {
        let url = try tempFile("a.tsv", "sentence\tother\ttopic\nfirst one\tsecond one\tx\n")
        let rows = try RecordReader(url: url, textColumn: "sentence", textPairColumn: "other", labelColumn: "Topic").readAll()
        #expect(rows == [Record(line: 2, text: "first one", textPair: "second one", label: "x",
                                fields: ["sentence": "first one", "other": "second one", "topic": "x"])])
        // Columns may also be picked by 1-based number.
        let byNumber = try RecordReader(url: url, textColumn: "2").readAll()
        #expect(byNumber[0].text == "second one")
        // An explicit format overrides the extension.
        let asCSV = try tempFile("data.dat", "text\nhello\n")
        #expect(try RecordReader(url: asCSV, format: .csv).readAll().map(\.text) == ["hello"])
    }

    @Test func jsonlObjectsAndLabelLists() throws {
        let rows = try RecordReader(url: TestPaths.fixture("data/mixed.jsonl"), labelColumn: "label").readAll()
        #expect(rows.count == 2)
        #expect(rows[0].text == "good film" && rows[0].label == "pos" && rows[0].line == 1)
        #expect(rows[1].line == 3)
        #expect(rows[1].label == "[\"neg\",\"meh\"]")
        #expect(try LabelParsing.split(rows[1].label!) == ["neg", "meh"])
        #expect(try LabelParsing.split(" a | b ||c") == ["a", "b", "c"])
        #expect(rows[1].fields["score"] == "0.5")
        #expect(rows[1].fields["ok"] == "true")
    }

    @Test func plainTextOneRecordPerLine() throws {
        let url = try tempFile("a.txt", "one\ntwo\r\n\nthree")
        let rows = try RecordReader(url: url).readAll()
        #expect(rows.map(\.text) == ["one", "two", "", "three"])
        #expect(rows.map(\.line) == [1, 2, 3, 4])
    }

    @Test func encodings() throws {
        // UTF-8 with a byte-order mark: the BOM is not part of the first header name.
        let bom = try tempFile("bom.csv", [0xEF, 0xBB, 0xBF] + Array("text,label\ncafé,x\n".utf8))
        let r1 = try RecordReader(url: bom, labelColumn: "label")
        #expect(try r1.readAll().first?.text == "café")
        #expect(r1.encoding == .utf8BOM)
        // Latin-1: 0xE9 is é; without --encoding it is an error naming line and column.
        let latin = try tempFile("l.csv", Array("text\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x0A])
        #expect(try RecordReader(url: latin, encoding: .latin1).readAll().first?.text == "café")
        do {
            _ = try RecordReader(url: latin).readAll()
            Issue.record("expected an encoding error")
        } catch let e as DataError {
            guard case .invalidEncoding(let loc, _, let suggestion) = e else { Issue.record("wrong error \(e)"); return }
            // CSV: the field's column number and name.
            #expect(loc.line == 2 && loc.column == 1 && loc.columnName == "text")
            #expect(suggestion.contains("latin-1"))
            #expect(e.errorDescription!.contains("l.csv:2, column 1 (text): not valid UTF-8"))
        }
        // Plain text: the character position in the line.
        let latinText = try tempFile("l.txt", [0x63, 0x61, 0x66, 0xE9, 0x0A])
        do {
            _ = try RecordReader(url: latinText).readAll()
            Issue.record("expected an encoding error")
        } catch let e as DataError {
            guard case .invalidEncoding(let loc, _, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(loc.line == 1 && loc.column == 4)
        }
        // --lossy replaces the bad byte instead.
        #expect(try RecordReader(url: latin, lossy: true).readAll().first?.text == "caf\u{FFFD}")
        // GB18030: 中文 is D6 D0 CE C4; a 4-byte sequence (81 30 81 30 = U+0080) too.
        let gb = try tempFile("g.txt", [0xD6, 0xD0, 0xCE, 0xC4, 0x0A, 0x81, 0x30, 0x81, 0x30, 0x0A])
        #expect(try RecordReader(url: gb, encoding: .gb18030).readAll().map(\.text) == ["中文", "\u{80}"])
        do {
            _ = try RecordReader(url: gb).readAll()
            Issue.record("expected an encoding error")
        } catch let e as DataError {
            #expect(e.errorDescription!.contains("g.txt:1"))
        }
        // A truncated GB18030 sequence is an error too, or U+FFFD with --lossy.
        let badGB = try tempFile("bad.txt", [0xD6, 0xD0, 0xCE, 0x0A])
        #expect(throws: DataError.self) { _ = try RecordReader(url: badGB, encoding: .gb18030).readAll() }
        #expect(try RecordReader(url: badGB, encoding: .gb18030, lossy: true).readAll().map(\.text) == ["中\u{FFFD}"])
        #expect(TextEncoding(name: "ISO-8859-1") == .latin1)
        #expect(TextEncoding(name: "utf-8-sig") == .utf8BOM)
        #expect(TextEncoding(name: "GBK") == .gb18030)
    }

    /// Reads `content` as `name` and returns the error thrown (nil if none).
    func readError(_ name: String, _ content: [UInt8], options: ReadOptions = ReadOptions()) throws -> DataError? {
        let url = try tempFile(name, content)
        do { _ = try RecordReader(url: url, options: options).readAll(); return nil } catch let e as DataError { return e }
    }

    @Test func raggedRowsAndQuotes() throws {
        let ragged = try readError("r.csv", Array("text,label\na,b\nc\n".utf8))
        guard case .raggedRow(let loc, 1, 2)? = ragged else { Issue.record("got \(String(describing: ragged))"); return }
        #expect(loc.line == 3)
        #expect(ragged!.errorDescription!.contains("r.csv:3: row has 1 fields but the header has 2"))
        // Unterminated quote: points at where the quote opened.
        let open = try readError("u.csv", Array("text,label\nok,x\n\"never closed,y\nmore\n".utf8))
        guard case .unterminatedQuote(let ql)? = open else { Issue.record("got \(String(describing: open))"); return }
        #expect(ql.line == 3 && ql.column == 1)
        // Junk after a closing quote, in column 2.
        let junk = try readError("q.csv", Array("text,label\nfine,\"a\"b\n".utf8))
        guard case .badQuote(let bq, _)? = junk else { Issue.record("got \(String(describing: junk))"); return }
        #expect(bq.line == 2 && bq.column == 2)
    }

    @Test func missingColumnsBinaryAndOtherBadFiles() throws {
        let missing = try readError("m.csv", Array("body,label\na,b\n".utf8))
        guard case .missingColumn(_, "text", let available)? = missing else { Issue.record("got \(String(describing: missing))"); return }
        #expect(available == ["body", "label"])
        let noLabel = try readError("n.csv", Array("text\na\n".utf8), options: ReadOptions(labelColumn: "label"))
        guard case .missingColumn(_, "label", _)? = noLabel else { Issue.record("got \(String(describing: noLabel))"); return }
        let binary = try readError("b.csv", [0x74, 0x65, 0x78, 0x74, 0x0A, 0x50, 0x4B, 0x00, 0x01])
        guard case .binaryFile(let bl)? = binary else { Issue.record("got \(String(describing: binary))"); return }
        #expect(bl.line == 2 && bl.column == 3)
        guard case .emptyFile? = try readError("e.csv", []) else { Issue.record("no empty-file error"); return }
        guard case .unsupportedEncoding? = try readError("w.csv", [0xFF, 0xFE, 0x74, 0x00]) else { Issue.record("no UTF-16 error"); return }
        guard case .invalidJSON(let jl, _)? = try readError("j.jsonl", Array("{\"text\":\"a\"}\n{oops\n".utf8)) else { Issue.record("no JSON error"); return }
        #expect(jl.line == 2)
        guard case .invalidJSON? = try readError("k.jsonl", Array("[1,2]\n".utf8)) else { Issue.record("no object error"); return }
        guard case .missingField(let ml)? = try readError("f.jsonl", Array("{\"body\":\"a\"}\n".utf8)) else { Issue.record("no field error"); return }
        #expect(ml.columnName == "text" && ml.line == 1)
        guard case .unknownFormat? = try readError("x.parquet", Array("a".utf8)) else { Issue.record("no format error"); return }
        guard case .duplicateColumn? = try readError("d.csv", Array("text,text\na,b\n".utf8)) else { Issue.record("no duplicate error"); return }
        guard case .cannotOpen? = try? { () throws -> DataError? in
            do { _ = try RecordReader(url: URL(fileURLWithPath: "/nonexistent/x.csv")); return nil } catch let e as DataError { return e }
        }() else { Issue.record("no open error"); return }
        // A record larger than the limit (a stray quote would otherwise swallow the file).
        let big = try readError("big.txt", [UInt8](repeating: 0x61, count: 5000), options: ReadOptions(maxRecordBytes: 1000, chunkSize: 256))
        guard case .recordTooLarge? = big else { Issue.record("got \(String(describing: big))"); return }
    }

    @Test func streamsAcrossChunkBorders() throws {
        // 5,000 rows through a 1 KiB chunk: lines, CRLFs and quoted line breaks straddle chunk borders.
        var s = "text,label\r\n"
        for i in 0..<5_000 { s += i % 7 == 0 ? "\"row \(i),\nsplit\",\(i % 3)\r\n" : "\"row \(i), with comma\",\(i % 3)\r\n" }
        let url = try tempFile("big.csv", s)
        let reader = try RecordReader(url: url, options: ReadOptions(labelColumn: "label", chunkSize: 1024))
        var n = 0
        var bad = 0
        try reader.forEach { r in
            let want = n % 7 == 0 ? "row \(n),\nsplit" : "row \(n), with comma"
            if r.text != want || r.label != "\(n % 3)" { bad += 1 }
            n += 1
        }
        #expect(n == 5_000)
        #expect(bad == 0)
    }
}
