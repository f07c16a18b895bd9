import Foundation
import SiftInference

// The bodies of the entities route and of classify's `long_text` and `explain`: decoded as
// strictly as the others (unknown keys refused, a bad choice named with the choices).

extension KeyedDecodingContainer {
    /// One of an enum's raw values; anything else is refused naming the field and the choices.
    func decodeChoice<E: RawRepresentable & CaseIterable>(_: E.Type, forKey key: Key) throws -> E? where E.RawValue == String {
        guard let raw = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = E(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(raw)')")
        }
        return value
    }
}

// MARK: classify's long_text

/// `long_text` on classify: `LongTextOptions` on the wire. `mode` is required, so an object
/// never silently means truncation; the other fields take the CLI's defaults.
struct LongTextRequest: Decodable {
    var options: LongTextOptions

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mode, stride, aggregation, maxWindows = "max_windows"
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let mode = try c.decodeChoice(LongTextMode.self, forKey: .mode) else {
            throw DecodingError.keyNotFound(CodingKeys.mode, .init(codingPath: c.codingPath, debugDescription: "long_text needs a mode"))
        }
        let d = LongTextOptions()
        options = LongTextOptions(mode: mode, stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? d.stride,
                                  aggregation: try c.decodeChoice(WindowAggregation.self, forKey: .aggregation) ?? d.aggregation,
                                  maxWindows: try c.decodeIfPresent(Int.self, forKey: .maxWindows) ?? d.maxWindows)
        if options.stride < 0 {
            throw DecodingError.dataCorruptedError(forKey: .stride, in: c, debugDescription: "must be at least 0 (got \(options.stride))")
        }
        if options.maxWindows < 1 {
            throw DecodingError.dataCorruptedError(forKey: .maxWindows, in: c, debugDescription: "must be at least 1 (got \(options.maxWindows))")
        }
    }
}

extension LongTextRequest: APIObject {
    static let schemaName = "LongText"
    static let closed = true
    static let summary: String? = "How a text longer than the model's max length is read"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.mode, Schema.enumeration(LongTextMode.self)
            .described("truncate: the first tokens; head-tail: the first quarter and the last three quarters of the room; "
                       + "window: overlapping windows over the whole text, each classified, the scores combined")),
        .optional(.stride, Schema.integer(minimum: 0).defaulting(LongTextOptions().stride)
            .described("window: tokens shared by consecutive windows (below the model's text tokens per window)")),
        .optional(.aggregation, Schema.enumeration(WindowAggregation.self).defaulting(LongTextOptions().aggregation.rawValue)
            .described("window: each label's mean or max over the windows, of the scores and of the logits")),
        .optional(.maxWindows, Schema.integer(minimum: 1).defaulting(LongTextOptions().maxWindows)
            .described("window: at most this many windows per text (the first ones; with truncate: false a text needing more is refused)")),
    ]
}

// MARK: classify's explanations

/// One word's share of the explained score, with its code-point span in the text.
struct WordAttribution: Encodable, Equatable {
    var word: String
    var start: Int
    var end: Int
    var attribution: Float
    enum CodingKeys: String, CodingKey, CaseIterable { case word, start, end, attribution }
}

extension WordAttribution: APIObject {
    static let schemaName = "WordAttribution"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.word, .string),
        .required(.start, Schema.integer.described("Code-point offset of the word in the text")),
        .required(.end, Schema.integer.described("Code-point offset just past the word")),
        .required(.attribution, Schema.number
            .described("integrated-gradients: the sum of its tokens' L2-normalized attributions; occlusion: the score's drop without the word")),
    ]
}

/// `Explanation` on the wire (words only; `sift explain` also writes tokens).
struct ExplanationResult: Encodable, Equatable {
    var method: AttributionMethod
    var attribute: AttributionOutput
    var label: String
    var score: Float
    var convergenceDelta: Float?
    var words: [WordAttribution]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, attribute, label, score, convergenceDelta = "convergence_delta", words
    }
}

extension ExplanationResult {
    init(_ x: Explanation) {
        method = x.method
        attribute = x.output
        label = x.label
        score = x.score
        convergenceDelta = x.convergenceDelta
        words = x.words.map { WordAttribution(word: $0.text, start: $0.start, end: $0.end, attribution: $0.attribution) }
    }
}

extension ExplanationResult: APIObject {
    static let schemaName = "Explanation"
    static let summary: String? = "Which words made the model give its label"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.method, Schema.enumeration(AttributionMethod.self)),
        .required(.attribute, Schema.enumeration(AttributionOutput.self).described("What is explained: the label's probability (its score)")),
        .required(.label, Schema.string.described("The label explained: the result's label")),
        .required(.score, Schema.number.described("The model's score for it on the text as one truncated window")),
        .optional(.convergenceDelta, Schema.number
            .described("integrated-gradients: Σ attributions − (f(text) − f(baseline)), small when the integral is accurate")),
        .required(.words, Schema.array(of: .ref(WordAttribution.self)).described("The tokenizer's words, in order")),
    ]
}

// MARK: The entities route

struct EntitiesRequest: Decodable {
    var texts: [String]
    var aggregation: EntityAggregation
    /// nil: a long text is truncated (the pipeline without a stride).
    var stride: Int?
    var ignoreLabels: [String]

    static let defaultStride = 32
    static let defaultIgnoreLabels = ["O"]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case texts, aggregation, stride, ignoreLabels = "ignore_labels"
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        texts = try c.decode(TextsField.self, forKey: .texts).values
        aggregation = try c.decodeChoice(EntityAggregation.self, forKey: .aggregation) ?? .first
        // Absent: the default stride; an explicit null: no windows.
        stride = c.contains(.stride) ? try c.decodeIfPresent(Int.self, forKey: .stride) : Self.defaultStride
        if let stride, stride < 0 {
            throw DecodingError.dataCorruptedError(forKey: .stride, in: c, debugDescription: "must be at least 0 or null (got \(stride))")
        }
        ignoreLabels = try c.decodeIfPresent([String].self, forKey: .ignoreLabels) ?? Self.defaultIgnoreLabels
    }

    var options: EntityOptions {
        EntityOptions(aggregation: aggregation, stride: stride, ignoreLabels: Set(ignoreLabels))
    }
}

extension EntitiesRequest: APIObject {
    static let schemaName = "EntitiesRequest"
    static let closed = true
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.texts, TextsField.schema),
        .optional(.aggregation, Schema.enumeration(EntityAggregation.self).defaulting(EntityAggregation.first.rawValue)
            .described("Hugging Face's aggregation_strategy: none (every token), simple (adjacent tokens of one type grouped), "
                       + "first / average / max (sub-words joined into words first)")),
        .optional(.stride, Schema.integer(minimum: 0).defaulting(defaultStride).orNull
            .described("Tokens shared by consecutive windows of a text longer than the model's max length (below its text tokens per window); "
                       + "null reads only the first window")),
        .optional(.ignoreLabels, Schema.array(of: .string).defaulting(json: .array(defaultIgnoreLabels.map(JSONValue.string)))
            .described("Labels (none) or entity groups dropped after grouping; [] keeps all")),
    ]
}

/// One entity as the token-classification pipeline (and `sift ner`) gives it: `entity_group`
/// when tokens are grouped, `entity` and `index` for aggregation none.
struct EntityResult: Encodable {
    var entity: Entity

    enum CodingKeys: String, CodingKey, CaseIterable {
        case entityGroup = "entity_group", entity, index, score, word, start, end
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let index = entity.index {
            try c.encode(entity.label, forKey: .entity)
            try c.encode(index, forKey: .index)
        } else {
            try c.encode(entity.label, forKey: .entityGroup)
        }
        try c.encode(entity.score, forKey: .score)
        try c.encode(entity.word, forKey: .word)
        try c.encode(entity.start, forKey: .start)
        try c.encode(entity.end, forKey: .end)
    }
}

extension EntityResult: APIObject {
    static let schemaName = "Entity"
    static let fields: [SchemaField<CodingKeys>] = [
        .optional(.entityGroup, Schema.string.described("The entity type (B-/I- prefix dropped); absent for aggregation none")),
        .optional(.entity, Schema.string.described("aggregation none: the token's label")),
        .optional(.index, Schema.integer.described("aggregation none: the token's index in its window")),
        .required(.score, Schema.number),
        .required(.word, .string),
        .required(.start, Schema.integer.described("Code-point offset in the text")),
        .required(.end, Schema.integer.described("Code-point offset just past the entity")),
    ]
}

struct EntitiesTextResult: Encodable {
    var entities: [EntityResult]
    enum CodingKeys: String, CodingKey, CaseIterable { case entities }
}

extension EntitiesTextResult: APIObject {
    static let schemaName = "EntitiesResult"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.entities, Schema.array(of: .ref(EntityResult.self)).described("In text order")),
    ]
}

struct EntitiesResponse: Encodable {
    var model: String
    var version: String
    var requestID: String
    var results: [EntitiesTextResult]
    enum CodingKeys: String, CodingKey, CaseIterable { case model, version, requestID = "request_id", results }
}

extension EntitiesResponse: APIObject {
    static let schemaName = "EntitiesResponse"
    static let fields: [SchemaField<CodingKeys>] = [
        .required(.model, .string), .required(.version, .string), .required(.requestID, .string),
        .required(.results, Schema.array(of: .ref(EntitiesTextResult.self)).described("One per text, in order")),
    ]
}
