import Crypto
import Foundation
import GRDB
import SiftData

/// One answered (or refused-by-the-model) inference call, as the audit log keeps it.
public struct AuditEntry: Sendable, Equatable {
    public var time: Date
    public var requestID: String
    public var keyID: String
    public var model: String
    public var version: String
    public var endpoint: String
    public var status: Int
    public var latencyMs: Double
    public var answeredBy: [String]
    public var labels: [String?]
    public var scores: [Double?]
    /// The request's texts; the log stores them according to its `TextPolicy`, never as given.
    public var texts: [String]

    public init(time: Date, requestID: String, keyID: String, model: String, version: String, endpoint: String,
                status: Int, latencyMs: Double, answeredBy: [String], labels: [String?], scores: [Double?], texts: [String]) {
        self.time = time
        self.requestID = requestID
        self.keyID = keyID
        self.model = model
        self.version = version
        self.endpoint = endpoint
        self.status = status
        self.latencyMs = latencyMs
        self.answeredBy = answeredBy
        self.labels = labels
        self.scores = scores
        self.texts = texts
    }
}

/// Where audit entries go; the server depends on this, tests may swap it.
public protocol AuditSink: Sendable {
    func record(_ entry: AuditEntry) async throws
}

/// PII redaction applied to texts before the audit log stores them (SiftData's `Redactor`
/// by default; a protocol so tests or deployments can supply their own).
public protocol TextRedacting: Sendable {
    func redactText(_ text: String) -> String
}

extension Redactor: TextRedacting {
    public func redactText(_ text: String) -> String { redacted(text) }
}

/// The audit log in SQLite (WAL mode, so readers never block the writer).
public final class SQLiteAuditLog: AuditSink {
    public let pool: DatabasePool
    public let policy: TextPolicy
    let redactor: any TextRedacting

    public init(path: String, policy: TextPolicy, redactor: any TextRedacting) throws {
        var config = Configuration()
        config.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: config)  // DatabasePool always uses WAL.
        } catch {
            throw ConfigError("audit log \(path): cannot open SQLite database (\(error))")
        }
        self.policy = policy
        self.redactor = redactor
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .double).notNull().indexed()  // Unix seconds
                t.column("request_id", .text).notNull()
                t.column("key_id", .text).notNull()
                t.column("model", .text).notNull()
                t.column("version", .text).notNull()
                t.column("endpoint", .text).notNull()
                t.column("status", .integer).notNull()
                t.column("text_count", .integer).notNull()
                t.column("latency_ms", .double).notNull()
                t.column("answered_by", .text).notNull()  // JSON array
                t.column("labels", .text).notNull()  // JSON array
                t.column("scores", .text).notNull()  // JSON array
                t.column("text_policy", .text).notNull()
                t.column("texts", .text)  // JSON array of redacted texts or SHA-256 hex; NULL when not kept
            }
        }
        try migrator.migrate(pool)
    }

    public func record(_ e: AuditEntry) async throws {
        let texts: String?
        switch policy {
        case .none: texts = nil
        case .hash: texts = Self.json(e.texts.map { SHA256.hash(data: Array($0.utf8)).map { String(format: "%02x", $0) }.joined() })
        case .redacted: texts = Self.json(e.texts.map(redactor.redactText))
        }
        let args: StatementArguments = [
            e.time.timeIntervalSince1970, e.requestID, e.keyID, e.model, e.version, e.endpoint, e.status,
            e.texts.count, e.latencyMs, Self.json(e.answeredBy), Self.json(e.labels), Self.json(e.scores),
            policy.rawValue, texts,
        ]
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO audit (time, request_id, key_id, model, version, endpoint, status, text_count,
                  latency_ms, answered_by, labels, scores, text_policy, texts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: args)
        }
    }

    /// Deletes entries older than `days`; returns how many went.
    @discardableResult
    public func prune(olderThanDays days: Double, now: Date = Date()) async throws -> Int {
        let cutoff = now.timeIntervalSince1970 - days * 86_400
        return try await pool.write { db in
            try db.execute(sql: "DELETE FROM audit WHERE time < ?", arguments: [cutoff])
            return db.changesCount
        }
    }

    static func json<T: Encodable>(_ value: T) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "[]"
    }
}
