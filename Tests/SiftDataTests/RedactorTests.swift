import Foundation
import Testing
@testable import SiftData

@Suite struct RedactorTests {
    let r = try! Redactor()

    /// The kinds found in `text`, in order.
    func kinds(_ text: String) -> [String] { r.matches(in: text).map(\.kind) }

    @Test func sha256AndHMACMatchPublishedVectors() {
        // FIPS 180-4 examples.
        #expect(SHA256.hash(Array("abc".utf8)).hexString == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash([]).hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hexString
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // RFC 4231 test cases 1, 2 and 6 (key longer than the block).
        #expect(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)).hexString
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)).hexString
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0xaa, count: 131),
                                              message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)).hexString
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func paymentCards() {
        #expect(r.redacted("card 4111 1111 1111 1111 exp 12/27") == "card [CARD] exp 12/27")
        #expect(r.redacted("4111-1111-1111-1111") == "[CARD]")
        #expect(r.redacted("pay with 5500000000000004.") == "pay with [CARD].")
        #expect(r.redacted("amex 3782 822463 10005") == "amex [CARD]")
        #expect(r.redacted("卡号6011111111111117谢谢") == "卡号[CARD]谢谢")
        // A trailing group that is not part of the card (an expiry) is left alone.
        #expect(r.redacted("4111 1111 1111 1111 2027") == "[CARD] 2027")
        // Look like cards but fail Luhn.
        #expect(kinds("4111 1111 1111 1112") == [])
        #expect(kinds("order 1234567890123456") == [])
        // Too short, glued to letters, or mixed separators.
        #expect(kinds("411111111111") == [])
        #expect(kinds("ref4111111111111111") == [])
        #expect(kinds("4111 1111-1111 1111") == [])
    }

    @Test func phoneNumbers() {
        #expect(r.redacted("call 13812345678 now") == "call [PHONE] now")
        #expect(r.redacted("电话：+86 138 1234 5678。") == "电话：[PHONE]。")
        #expect(r.redacted("+8613812345678") == "[PHONE]")
        #expect(r.redacted("0086-13912345678") == "[PHONE]")
        #expect(r.redacted("London +44 20 7946 0958.") == "London [PHONE].")
        #expect(r.redacted("SF +1 (415) 555-2671") == "SF [PHONE]")
        #expect(r.redacted("(415) 555-2671 or 415-555-2671") == "[PHONE] or [PHONE]")
        #expect(r.redacted("Beijing 010-62345678") == "Beijing [PHONE]")
        // Not mobiles: second digit 2, twelve digits, a date, a short +number, a decimal.
        #expect(kinds("12812345678") == [])
        #expect(kinds("138123456789") == [])
        #expect(kinds("on 2024-01-15") == [])
        #expect(kinds("+123") == [])
        #expect(kinds("pi is 3.14159265") == [])
    }

    @Test func emails() {
        #expect(r.redacted("mail alice.smith+tag@example.co.uk, thanks") == "mail [EMAIL], thanks")
        #expect(r.redacted("<bob_1@mail-server.org>") == "<[EMAIL]>")
        #expect(r.redacted("邮箱13812345678@163.com") == "邮箱[EMAIL]")
        #expect(kinds("user@localhost") == [])
        #expect(kinds("@example.com") == [])
        #expect(kinds("a@b.c") == [])
        #expect(kinds("meet @ 5pm") == [])
    }

    @Test func chineseResidentIDs() {
        #expect(r.redacted("身份证号11010519491231002X。") == "身份证号[CN_ID]。")
        #expect(r.redacted("id 11010519491231002x") == "id [CN_ID]")
        #expect(r.redacted("440304199001011233") == "[CN_ID]")
        // Wrong check characters, and an impossible birth date (month 13) with a valid checksum.
        #expect(kinds("110105194912310021") == [])
        #expect(kinds("440304199001011234") == [])
        let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let body = "44030419901301123"
        let check = Array("10X98765432")[zip(body, w).map { Int(String($0.0))! * $0.1 }.reduce(0, +) % 11]
        #expect(kinds(body + String(check)) == [])
    }

    @Test func ibans() {
        #expect(r.redacted("IBAN GB82 WEST 1234 5698 7654 32 please") == "IBAN [IBAN] please")
        #expect(r.redacted("DE89370400440532013000") == "[IBAN]")
        #expect(r.redacted("FR14 2004 1010 0505 0001 3M02 606") == "[IBAN]")
        #expect(r.redacted("to NL91ABNA0417164300 AND more") == "to [IBAN] AND more")
        // Checksum off by one, wrong length for the country.
        #expect(kinds("GB82 WEST 1234 5698 7654 33") == [])
        #expect(kinds("DE8937040044053201300") == [])
    }

    @Test func usSocialSecurityNumbers() {
        #expect(r.redacted("SSN 123-45-6789.") == "SSN [SSN].")
        #expect(r.redacted("ssn: 078 05 1120") == "ssn: [SSN]")
        // Never-issued ranges.
        for bad in ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000"] {
            #expect(kinds(bad) == [], "\(bad)")
        }
        // Part of a longer number.
        #expect(kinds("123-45-6789-12") == [])
    }

    @Test func ipAddresses() {
        #expect(r.redacted("from 192.168.1.10, then") == "from [IP], then")
        #expect(r.redacted("host 2001:db8::8a2e:370:7334.") == "host [IP].")
        #expect(r.redacted("fe80::1ff:fe23:4567:890a") == "[IP]")
        #expect(kinds("256.1.1.1") == [])
        #expect(kinds("version 1.2.3.4.5") == [])
        #expect(kinds("at 10:30:00") == [])
        #expect(kinds("01.02.03.04") == [])
        #expect(kinds("std::vector") == [])
    }

    @Test func keyedHashIsStableAcrossFormatsAndDependsOnKey() throws {
        let h = try Redactor(config: RedactionConfig(hashKey: "secret"))
        let a = h.redacted("4111 1111 1111 1111")
        let b = h.redacted("4111-1111-1111-1111")
        #expect(a == b)
        #expect(a.hasPrefix("[CARD:") && a.count == "[CARD:]".count + 16)
        let other = try Redactor(config: RedactionConfig(hashKey: "other"))
        #expect(other.redacted("4111 1111 1111 1111") != a)
        #expect(h.redacted("Alice@Example.com") == h.redacted("alice@example.com"))
        // The token is exactly HMAC-SHA256(key, "CARD:" + digits), first 8 bytes.
        let mac = HMACSHA256.authenticationCode(key: Array("secret".utf8), message: Array("CARD:4111111111111111".utf8))
        #expect(a == "[CARD:\(Array(mac.prefix(8)).hexString)]")
    }

    @Test func customPatternsKindsSelectionAndReport() throws {
        let json = #"{"kinds": ["email", "card"], "patterns": [{"name": "employee id", "regex": "EMP-[0-9]{6}"}]}"#
        let url = try tempFile("redact.json", json)
        let config = try RedactionConfig.load(url: url)
        #expect(config.kinds == [.email, .card])
        let custom = try Redactor(config: config)
        let text = "EMP-123456 wrote to a@b.com from 192.168.0.1 about 4111111111111111 — 学号EMP-654321"
        let (out, matches) = custom.redact(text)
        #expect(out == "[EMPLOYEE_ID] wrote to [EMAIL] from 192.168.0.1 about [CARD] — 学号[EMPLOYEE_ID]")
        var report = RedactionReport()
        report.add(matches)
        report.add(custom.matches(in: "nothing here"))
        #expect(report.counts == ["EMPLOYEE_ID": 2, "EMAIL": 1, "CARD": 1])
        #expect(report.texts == 2 && report.textsWithPII == 1 && report.total == 4)
        // The same config as YAML.
        let yaml = try tempFile("redact.yaml", """
        # which kinds to find
        kinds: [email, card]
        patterns:
          - name: employee id
            regex: "EMP-[0-9]{6}"   # six digits
          - name: ticket
            regex: 'T#[0-9]+'
        hash_key: 'k'
        """)
        let fromYAML = try RedactionConfig.load(url: yaml)
        #expect(fromYAML.kinds == [.email, .card])
        #expect(fromYAML.patterns == [CustomPIIPattern(name: "employee id", regex: "EMP-[0-9]{6}"), CustomPIIPattern(name: "ticket", regex: "T#[0-9]+")])
        #expect(fromYAML.hashKey == "k")
        let blockList = try tempFile("b.yml", "kinds:\n  - phone\n  - ip\n")
        #expect(try RedactionConfig.load(url: blockList).kinds == [.phone, .ip])
        #expect {
            _ = try RedactionConfig.load(url: try tempFile("bad.yaml", "kinds: [card]\n  nested: {a: 1}\n"))
        } throws: { e in (e as? DataError)?.errorDescription?.contains("bad.yaml:2") == true }
        // Bad configs are clear errors.
        #expect(throws: DataError.self) { _ = try RedactionConfig.load(url: try tempFile("b.json", #"{"kinds": ["passport"]}"#)) }
        #expect(throws: DataError.self) { _ = try Redactor(config: RedactionConfig(patterns: [CustomPIIPattern(name: "x", regex: "([")])) }
        #expect(throws: DataError.self) { _ = try RedactionConfig.load(url: try tempFile("c.json", "not json")) }
    }

    @Test func mixedTextOffsetsAndNoFalsePositivesOnPlainProse() {
        let text = "Né à Paris, Zoë paid £15.8m on 3 March 2004; call +33 1 42 68 53 00 or zoe@exemple.fr."
        let m = r.matches(in: text)
        #expect(m.map(\.kind) == ["PHONE", "EMAIL"])
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[m[1].utf8Range], as: UTF8.self) == "zoe@exemple.fr")
        #expect(kinds("The 2,225 BBC stories from 2004 and 2005 cover 5 topics, 1.5m readers.") == [])
    }
}
