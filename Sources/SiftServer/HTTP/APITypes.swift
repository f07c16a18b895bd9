import Foundation
import SiftInference

// The JSON bodies of the API. Request types decode strictly: unknown fields and wrong types are
// refused with the field named, so a typo never silently changes a result. Each type declares
// the schema of its fields beside its CodingKeys; OpenAPIDocument is generated from them.

/// Who answered a text: the model, or its fallback rules.
enum AnswerSource: String, Codable, CaseIterable, Sendable {
    case model, rules
}

/// A configured model as listings and readiness report it.
enum ModelLoadState: String, Codable, CaseIterable, Sendable {
    case loaded, failed
}

extension ServedModel {
    var loadState: ModelLoadState { isLoaded ? .loaded : .failed }
}

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

    static let schema = Schema.oneOf(.string, .array(of: .string, minItems: 1))
        .described("One text or several (limits: max_texts_per_request, max_chars_per_text).")
}

struct ClassifyRequest: Decodable {
    var texts: [String]
    var topK: Int?
    var threshold: Double?
    var rawScores: Bool
    var truncate: Bool
    /// How texts longer than the model's length are read; nil is `truncate`.
    var longText: LongTextRequest?
    var explain: Bool
    /// nil: integrated gradients for a fine-tuned head, occlusion otherwise.
    var explainMethod: AttributionMethod?
    var explainSteps: Int

    static let defaultExplainSteps = 20
    static let maxExplainSteps = 50

    enum CodingKeys: String, CodingKey, CaseIterable {
        case texts, topK = "top_k", threshold, rawScores = "raw_scores", truncate, longText = "long_text"
        case explain, explainMethod = "explain_method", explainSteps = "explain_steps"
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        texts = try c.decode(TextsField.self, forKey: .texts).values
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold)
        rawScores = try c.decodeIfPresent(Bool.self, forKey: .rawScores) ?? false
        truncate = try c.decodeIfPresent(Bool.self, forKey: .truncate) ?? true
        longText = try c.decodeIfPresent(LongTextRequest.self, forKey: .longText)
        explain = try c.decodeIfPresent(Bool.self, forKey: .explain) ?? false
        explainMethod = try c.decodeChoice(AttributionMethod.self, forKey: .explainMethod)
        explainSteps = try c.decodeIfPresent(Int.self, forKey: .explainSteps) ?? Self.defaultExplainSteps
        guard (1...Self.maxExplainSteps).contains(explainSteps) else {
            throw DecodingError.dataCorruptedError(forKey: .explainSteps, in: c,
                                                   debugDescription: "must be between 1 and \(Self.maxExplainSteps) (got \(explainSteps))")
        }
    }
}

extension ClassifyRequest: APIObject {
    static let schemaName = "ClassifyRequest"
    static let closed = true
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.texts, TextsField.schema),
        .optional(.topK, Schema.integer(minimum: 1).described("Keep only the k best labels in `scores`")),
        .optional(.threshold, Schema.number(minimum: 0, maximum: 1)
            .described("`labels` lists labels scoring at least this (multi-label default 0.5)")),
        .optional(.rawScores, Schema.boolean.defaulting(false).described("Also return the head's raw logits")),
        .optional(.truncate, Schema.boolean.defaulting(true)
            .described("false: a text the model cannot read whole is refused (422, limit max_length): longer than the model's max length, "
                       + "or, with long_text window, needing more than max_windows windows")),
        .optional(.longText, Schema.ref(LongTextRequest.self)
            .described("How a text longer than the model's max length is read (default: truncated)")),
        .optional(.explain, Schema.boolean.defaulting(false)
            .described("Explain each model answer word by word (at most limits.max_explain_texts texts; costly: run after the classification, one text at a time)")),
        .optional(.explainMethod, Schema.enumeration(AttributionMethod.self)
            .described("Default: integrated-gradients for a fine-tuned head, occlusion otherwise (SetFit heads)")),
        .optional(.explainSteps, Schema.integer(minimum: 1, maximum: maxExplainSteps).defaulting(defaultExplainSteps)
            .described("Integrated Gradients' quadrature points")),
    ]
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

extension EmbedRequest: APIObject {
    static let schemaName = "EmbedRequest"
    static let closed = true
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.texts, TextsField.schema),
        .optional(.truncate, Schema.boolean.defaulting(true)
            .described("false: texts longer than the model's max length are refused (422, limit max_length)")),
    ]
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
    var answeredBy: AnswerSource
    /// Index of the fallback rule that matched, when the rules answered.
    var rule: Int?
    /// Why the model gave its label, when `explain` was asked (model answers only).
    var explanation: ExplanationResult? = nil

    enum CodingKeys: String, CodingKey, CaseIterable {
        case label, score, labels, scores, logits, answeredBy = "answered_by", rule, explanation
    }
}

extension TextResult: APIObject {
    static let schemaName = "TextResult"
    static let fields: [SchemaField<CodingKeys>] = [
        .optional(.label, Schema.string.described("The top label (absent for regression, or when rules had no default)")),
        .optional(.score, Schema.number.described("The top label's score; the value for regression")),
        .optional(.labels, Schema.array(of: .string).described("Labels at or above the threshold")),
        .optional(.scores, Schema.map(of: .number).described("Score by label: all labels, or the top `top_k`")),
        .optional(.logits, Schema.map(of: .number).described("Raw head outputs by label, when `raw_scores` is true")),
        .required(.answeredBy, Schema.enumeration(AnswerSource.self)),
        .optional(.rule, Schema.integer.described("Index of the fallback rule that matched")),
        .optional(.explanation, Schema.ref(ExplanationResult.self).described("With `explain: true`, for answers of the model")),
    ]
}

struct ClassifyResponse: Encodable {
    var model: String
    var version: String
    var requestID: String
    var results: [TextResult]
    enum CodingKeys: String, CodingKey, CaseIterable { case model, version, requestID = "request_id", results }
}

extension ClassifyResponse: APIObject {
    static let schemaName = "ClassifyResponse"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.model, .string), .required(.version, .string), .required(.requestID, .string),
        .required(.results, Schema.array(of: .ref(TextResult.self)).described("One per text, in order")),
    ]
}

struct EmbedResponse: Encodable {
    var model: String
    var version: String
    var requestID: String
    var dimensions: Int
    var embeddings: [[Float]]
    enum CodingKeys: String, CodingKey, CaseIterable { case model, version, requestID = "request_id", dimensions, embeddings }
}

extension EmbedResponse: APIObject {
    static let schemaName = "EmbedResponse"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.model, .string), .required(.version, .string), .required(.requestID, .string),
        .required(.dimensions, .integer),
        .required(.embeddings, Schema.array(of: .array(of: .number)).described("One vector per text, in order")),
    ]
}

struct ModelListing: Encodable {
    struct Entry: Encodable {
        var name: String
        var version: String
        var state: ModelLoadState
        var task: ModelTask?
        var labels: [String]?
        var maxLength: Int?
        var fallbackRules: Int
        var error: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, version, state, task, labels, maxLength = "max_length", fallbackRules = "fallback_rules", error
        }
    }
    var models: [Entry]
    enum CodingKeys: String, CodingKey, CaseIterable { case models }
}

extension ModelListing: APIObject {
    static let schemaName = "ModelList"
    static let fields: [SchemaField<CodingKeys>] = [.required(.models, .array(of: .ref(Entry.self)))]
}

extension ModelListing.Entry: APIObject {
    static let schemaName = "ModelEntry"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.name, .string),
        .required(.version, .string),
        .required(.state, .enumeration(ModelLoadState.self)),
        .optional(.task, Schema.enumeration(ModelTask.allCases.map(\.rawValue)).described("Absent when the model failed to load")),
        .optional(.labels, .array(of: .string)),
        .optional(.maxLength, Schema.integer.described("Tokens per text")),
        .required(.fallbackRules, .integer),
        .optional(.error, Schema.string.described("Why the model failed to load")),
    ]
}

/// `/health` and `/ready`.
struct HealthStatus: Encodable {
    enum Condition: String, Encodable, CaseIterable {
        case ok, ready
        case notReady = "not_ready"
    }
    var status: Condition
    var models: [String: ModelLoadState]?
    enum CodingKeys: String, CodingKey, CaseIterable { case status, models }
}

extension HealthStatus: APIObject {
    static let schemaName = "Status"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.status, Schema.enumeration(Condition.self).described("/health: ok; /ready: ready or not_ready")),
        .optional(.models, Schema.map(of: .enumeration(ModelLoadState.self)).described("/ready: state by model name")),
    ]
}

/// `labels` may be a list or one comma-separated string (the pipeline accepts both).
struct LabelsField: Decodable {
    var values: [String]
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let one = try? c.decode(String.self) {
            values = ZeroShotLabels.split(one)
        } else if let many = try? c.decode([String].self) {
            values = many
        } else {
            throw DecodingError.typeMismatch([String].self, .init(
                codingPath: decoder.codingPath, debugDescription: "must be an array of strings or a comma-separated string"))
        }
    }

    static let schema = Schema.oneOf(.string, .array(of: .string, minItems: 1))
        .described("Candidate labels: a list, or one comma-separated string. Texts × labels counts against max_texts_per_request.")
}

struct ZeroShotRequest: Decodable {
    var texts: [String]
    var labels: [String]
    var hypothesisTemplate: String
    var multiLabel: Bool
    var truncate: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case texts, labels, hypothesisTemplate = "hypothesis_template", multiLabel = "multi_label", truncate
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        texts = try c.decode(TextsField.self, forKey: .texts).values
        labels = try c.decode(LabelsField.self, forKey: .labels).values
        hypothesisTemplate = try c.decodeIfPresent(String.self, forKey: .hypothesisTemplate) ?? ZeroShotLabels.defaultTemplate
        multiLabel = try c.decodeIfPresent(Bool.self, forKey: .multiLabel) ?? false
        truncate = try c.decodeIfPresent(Bool.self, forKey: .truncate) ?? true
    }
}

extension ZeroShotRequest: APIObject {
    static let schemaName = "ZeroShotRequest"
    static let closed = true
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.texts, TextsField.schema),
        .required(.labels, LabelsField.schema),
        .optional(.hypothesisTemplate, Schema.string.described("Where each label goes, with {} once (default \"This example is {}.\")")),
        .optional(.multiLabel, Schema.boolean.defaulting(false)
            .described("Score each label independently (NLI: entailment vs contradiction; embeddings: the cosine)")),
        .optional(.truncate, Schema.boolean.defaulting(true)
            .described("false: a (text, hypothesis) pair longer than the model's max length is refused (422, limit max_length)")),
    ]
}

/// One text's zero-shot answer, labels best first.
struct ZeroShotTextResult: Encodable {
    var labels: [String]
    var scores: [Double]
    enum CodingKeys: String, CodingKey, CaseIterable { case labels, scores }
}

extension ZeroShotTextResult: APIObject {
    static let schemaName = "ZeroShotResult"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.labels, Schema.array(of: .string).described("Every candidate label, best first")),
        .required(.scores, Schema.array(of: .number).described("Their scores, in the same order")),
    ]
}

struct ZeroShotResponse: Encodable {
    var model: String
    var version: String
    var requestID: String
    var method: ZeroShotMethod
    var results: [ZeroShotTextResult]
    enum CodingKeys: String, CodingKey, CaseIterable { case model, version, requestID = "request_id", method, results }
}

extension ZeroShotResponse: APIObject {
    static let schemaName = "ZeroShotResponse"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.model, .string), .required(.version, .string), .required(.requestID, .string),
        .required(.method, Schema.enumeration(ZeroShotMethod.self).described("nli for a classifier with an entailment label, embedding for an embedder")),
        .required(.results, Schema.array(of: .ref(ZeroShotTextResult.self)).described("One per text, in order")),
    ]
}
