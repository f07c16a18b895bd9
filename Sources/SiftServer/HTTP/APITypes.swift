import Foundation

// The JSON bodies of the API (see openapi.json). Request types decode strictly: unknown fields
// and wrong types are refused with the field named, so a typo never silently changes a result.

/// `texts` may be one string or an array of strings.
struct TextsField: Decodable {
    var values: [String]
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let one = try? c.decode(String.self) {
            values = [one]
        } else if let many = try? c.decode([String].self) {
            values = many
        } else {
            throw DecodingError.typeMismatch([String].self, .init(
                codingPath: decoder.codingPath, debugDescription: "must be a string or an array of strings"))
        }
    }
}

struct ClassifyRequest: Decodable {
    var texts: [String]
    var topK: Int?
    var threshold: Double?
    var rawScores: Bool
    var truncate: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case texts, topK = "top_k", threshold, rawScores = "raw_scores", truncate
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        texts = try c.decode(TextsField.self, forKey: .texts).values
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold)
        rawScores = try c.decodeIfPresent(Bool.self, forKey: .rawScores) ?? false
        truncate = try c.decodeIfPresent(Bool.self, forKey: .truncate) ?? true
    }
}

struct EmbedRequest: Decodable {
    var texts: [String]
    var truncate: Bool

    enum CodingKeys: String, CodingKey, CaseIterable { case texts, truncate }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        texts = try c.decode(TextsField.self, forKey: .texts).values
        truncate = try c.decodeIfPresent(Bool.self, forKey: .truncate) ?? true
    }
}

/// One text's answer.
struct TextResult: Encodable, Equatable {
    var label: String?
    var score: Double?
    /// Labels at or above the threshold (multi-label: 0.5 unless given).
    var labels: [String]?
    /// Score by label: all labels, or the top `top_k`.
    var scores: [String: Double]?
    /// Raw head outputs by label, when `raw_scores` is true.
    var logits: [String: Double]?
    /// "model" or "rules".
    var answeredBy: String
    /// Index of the fallback rule that matched, when the rules answered.
    var rule: Int?

    enum CodingKeys: String, CodingKey {
        case label, score, labels, scores, logits, answeredBy = "answered_by", rule
    }
}

struct ClassifyResponse: Encodable {
    var model: String
    var version: String
    var requestID: String
    var results: [TextResult]
    enum CodingKeys: String, CodingKey { case model, version, requestID = "request_id", results }
}

struct EmbedResponse: Encodable {
    var model: String
    var version: String
    var requestID: String
    var dimensions: Int
    var embeddings: [[Float]]
    enum CodingKeys: String, CodingKey { case model, version, requestID = "request_id", dimensions, embeddings }
}

struct ModelListing: Encodable {
    struct Entry: Encodable {
        var name: String
        var version: String
        var state: String
        var task: String?
        var labels: [String]?
        var maxLength: Int?
        var fallbackRules: Int
        var error: String?
        enum CodingKeys: String, CodingKey {
            case name, version, state, task, labels, maxLength = "max_length", fallbackRules = "fallback_rules", error
        }
    }
    var models: [Entry]
}
