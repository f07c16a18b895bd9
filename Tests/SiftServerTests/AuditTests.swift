import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SiftServer
import SiftData

@Suite struct AuditTests {
    func tempDB() throws -> (URL, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir, dir.appendingPathComponent("audit.sqlite").path)
    }

    @Test(arguments: [TextPolicy.none, .hash, .redacted])
    func rowsAreWrittenWithTheTextPolicy(_ policy: TextPolicy) async throws {
        let (dir, path) = try tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = try await makeApp(configure: {
            $0.audit.path = path
            $0.audit.texts = policy
        }, environment: ["SIFT_TEST_KEYS": "shop:k1"])
        let text = "refund to jane.doe@example.com, card 4111 1111 1111 1111"
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post,
                                             headers: bearer("k1"), body: json(#"{"texts": ["\#(text)", "billing"]}"#))
            #expect(r.status == .ok)
        }
        let log = try #require(app.auditLog)
        let rows = try await log.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM audit") }
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row["key_id"] as String == "shop")
        #expect(row["model"] as String == "retail")
        #expect(row["version"] as String == "fake-1")
        #expect(row["endpoint"] as String == "classify")
        #expect(row["text_count"] as Int == 2)
        #expect(row["status"] as Int == 200)
        #expect((row["latency_ms"] as Double) >= 0)
        #expect(row["labels"] as String == #"["refund","billing"]"#)
        #expect(row["answered_by"] as String == #"["model","model"]"#)
        let scores = try JSONDecoder().decode([Double].self, from: Data((row["scores"] as String).utf8))
        #expect(scores.count == 2 && scores.allSatisfy { $0 > 0.5 })
        #expect(abs(Date().timeIntervalSince1970 - (row["time"] as Double)) < 60)
        let texts: String? = row["texts"]
        switch policy {
        case .none:
            #expect(texts == nil)
        case .hash:
            let hashes = try JSONDecoder().decode([String].self, from: Data((texts ?? "").utf8))
            #expect(hashes == [APIKeyStore.hexDigest(text), APIKeyStore.hexDigest("billing")])
        case .redacted:
            let red = try JSONDecoder().decode([String].self, from: Data((texts ?? "").utf8))
            #expect(red[0] == "refund to [EMAIL], card [CARD]")
            #expect(!red[0].contains("jane"))
        }
        let mode = try await log.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func retentionDeletesOldRows() async throws {
        let (dir, path) = try tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try SQLiteAuditLog(path: path, policy: .none, redactor: try Redactor())
        let now = Date()
        for age in [0.0, 10, 40] {
            try await log.record(AuditEntry(time: now.addingTimeInterval(-age * 86_400), requestID: "r\(age)", keyID: "k",
                                            model: "m", version: "v", endpoint: "classify", status: 200, latencyMs: 1,
                                            answeredBy: ["model"], labels: ["a"], scores: [0.9], texts: ["t"]))
        }
        #expect(try await log.prune(olderThanDays: 30, now: now) == 1)
        let left = try await log.pool.read { db in try String.fetchAll(db, sql: "SELECT request_id FROM audit ORDER BY time") }
        #expect(left == ["r10.0", "r0.0"])
    }

    @Test func injectedSinkRecordsRulesAnswers() async throws {
        let sink = MemoryAudit()
        let app = try await makeApp(models: ["retail": FakeModel(failing: true)], configure: {
            $0.models["retail"]?.fallback = RuleSetSpec(rules: [RuleSpec(label: "refund", keywords: ["money back"])])
        }, audit: sink)
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders,
                                             body: json(#"{"texts": "I want my money back"}"#))
            #expect(r.status == .ok)
        }
        let entries = await sink.entries
        #expect(entries.count == 1)
        #expect(entries.first?.answeredBy == ["rules"])
        #expect(entries.first?.labels == ["refund"])
        #expect(entries.first?.keyID == "anonymous")
    }
}
