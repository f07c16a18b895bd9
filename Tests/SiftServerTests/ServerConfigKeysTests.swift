import Foundation
import Testing
@testable import SiftServer

/// Every level of the server config refuses a key it does not know, in YAML and in JSON, and the
/// message gives the key's full path.
@Suite struct ServerConfigKeysTests {
    /// (document with one misspelt key, the path the message must name)
    static let cases: [(String, String)] = [
        (#"{"hots": "0.0.0.0"}"#, "hots"),
        (#"{"limits": {"max_body_bytez": 5}}"#, "limits.max_body_bytez"),
        (#"{"limits": {"max_explain_text": 5}}"#, "limits.max_explain_text"),
        (#"{"batching": {"max_wait": 1}}"#, "batching.max_wait"),
        (#"{"auth": {"api_key_file": "k.yaml"}}"#, "auth.api_key_file"),
        (#"{"auth": {"jwt": {"hs256_secret": "s"}}}"#, "auth.jwt.hs256_secret"),
        (#"{"auth": {"rate_limit": {"rps": 5}}}"#, "auth.rate_limit.rps"),
        (#"{"audit": {"text": "none"}}"#, "audit.text"),
        (#"{"tls": {"certificate": "c", "private_key": "k", "ca": "x"}}"#, "tls.ca"),
        (#"{"models": {"a": {"path": "/m", "verison": "1"}}}"#, "models.a.verison"),
        (#"{"models": {"a": {"path": "/m", "fallback": {"rules": [], "default": "x"}}}}"#, "models.a.fallback.default"),
        (#"{"models": {"a": {"path": "/m", "fallback": {"rules": [{"label": "x", "keywords": ["k"]}, {"label": "y", "regexp": "z"}]}}}}"#,
         "models.a.fallback.rules[1].regexp"),
    ]

    @Test func unknownKeysAreRefusedAtEveryLevelInJSON() {
        for (doc, path) in Self.cases {
            // As a JSON document read through the YAML loader (JSON is YAML), named by its file.
            do {
                _ = try ServerConfig.parse(yaml: doc, source: "sift.json")
                Issue.record("accepted \(doc)")
            } catch {
                let m = "\(error)"
                #expect(m.contains("sift.json") && m.contains("'\(path)'") && m.contains("unknown key"), "\(m)")
            }
            // And decoded directly by JSONDecoder: the same decoders refuse it.
            #expect(throws: DecodingError.self, "\(path)") { _ = try JSONDecoder().decode(ServerConfig.self, from: Data(doc.utf8)) }
        }
    }

    @Test func unknownKeysAreRefusedAtEveryLevelInBlockYAML() throws {
        let yaml = """
        models:
          a:
            path: /m
            fallback:
              rules:
                - label: x
                  keywords: [k]
                  colour: red
        """
        do {
            _ = try ServerConfig.parse(yaml: yaml, source: "sift.yaml")
            Issue.record("accepted an unknown key in a rule")
        } catch {
            #expect("\(error)".contains("sift.yaml: field 'models.a.fallback.rules[0].colour': unknown key"), "\(error)")
        }
        // The same document without the typo is fine.
        let ok = try ServerConfig.parse(yaml: yaml.replacingOccurrences(of: "          colour: red\n", with: "")
            .replacingOccurrences(of: "\n          colour: red", with: ""))
        #expect(ok.models["a"]?.fallback?.rules.first?.keywords == ["k"])
        let tls = try ServerConfig.parse(yaml: "tls: {certificate: c.pem, private_key: k.pem}")
        #expect(tls.tls == ServerConfig.TLS(certificate: "c.pem", privateKey: "k.pem"))
    }
}
