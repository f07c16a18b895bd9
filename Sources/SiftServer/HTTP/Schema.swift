import Foundation

// A small builder for the JSON Schema subset (OpenAPI 3.0 dialect) the API document uses.
// Each API type declares its fields beside its CodingKeys (`APIObject`), so the document is
// generated from the types and a key cannot be added to one without the other.

/// A JSON value, to build the document and to read it back in tests.
enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    subscript(key: String) -> JSONValue? { object?[key] }

    var object: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// One schema. Built with the static constructors below; `json` is what the document holds.
struct Schema: Sendable, Equatable {
    enum Extra: Sendable, Equatable {
        case forbidden
        indirect case values(Schema)
    }

    var type: String?
    var ref: String?
    var description: String?
    var enumeration: [String]?
    var properties: [String: Schema]?
    var required: [String]?
    var additionalProperties: Extra?
    var itemsBox: [Schema] = []
    var oneOf: [Schema]?
    var minimum: Int?
    var maximum: Int?
    var minItems: Int?
    var pattern: String?
    var defaultValue: JSONValue?
    /// OpenAPI 3.0's `nullable`: null is a value of its own (e.g. `stride: null`).
    var nullable: Bool?

    var items: Schema? { itemsBox.first }

    var json: JSONValue {
        var o: [String: JSONValue] = [:]
        if let ref { o["$ref"] = .string(ref) }
        if let type { o["type"] = .string(type) }
        if let description { o["description"] = .string(description) }
        if let enumeration { o["enum"] = .array(enumeration.map(JSONValue.string)) }
        if let properties { o["properties"] = .object(properties.mapValues(\.json)) }
        if let required, !required.isEmpty { o["required"] = .array(required.map(JSONValue.string)) }
        switch additionalProperties {
        case .forbidden: o["additionalProperties"] = .bool(false)
        case .values(let s): o["additionalProperties"] = s.json
        case nil: break
        }
        if let items { o["items"] = items.json }
        if let oneOf { o["oneOf"] = .array(oneOf.map(\.json)) }
        if let minimum { o["minimum"] = .int(minimum) }
        if let maximum { o["maximum"] = .int(maximum) }
        if let minItems { o["minItems"] = .int(minItems) }
        if let pattern { o["pattern"] = .string(pattern) }
        if let defaultValue { o["default"] = defaultValue }
        if let nullable { o["nullable"] = .bool(nullable) }
        return .object(o)
    }

    // MARK: Constructors

    static let string = Schema(type: "string")
    static let number = Schema(type: "number")
    static let boolean = Schema(type: "boolean")
    static let integer = Schema(type: "integer")

    static func integer(minimum: Int) -> Schema { Schema(type: "integer", minimum: minimum) }
    static func integer(minimum: Int, maximum: Int) -> Schema { Schema(type: "integer", minimum: minimum, maximum: maximum) }
    static func number(minimum: Int, maximum: Int) -> Schema { Schema(type: "number", minimum: minimum, maximum: maximum) }
    static func string(pattern: String) -> Schema { Schema(type: "string", pattern: pattern) }

    static func array(of items: Schema, minItems: Int? = nil) -> Schema {
        Schema(type: "array", itemsBox: [items], minItems: minItems)
    }

    /// An object whose keys are free (labels, model names) and whose values all match `values`.
    static func map(of values: Schema) -> Schema {
        Schema(type: "object", additionalProperties: .values(values))
    }

    static func oneOf(_ choices: Schema...) -> Schema { Schema(oneOf: choices) }

    static func enumeration(_ values: [String]) -> Schema { Schema(type: "string", enumeration: values) }

    static func enumeration<E: CaseIterable & RawRepresentable>(_: E.Type) -> Schema where E.RawValue == String {
        enumeration(E.allCases.map(\.rawValue))
    }

    static func ref<T: APIObject>(_: T.Type) -> Schema { Schema(ref: "#/components/schemas/\(T.schemaName)") }

    /// An object from typed fields; `closed` objects refuse keys they do not list (requests).
    static func object<Key: CodingKey & Sendable>(_ fields: [SchemaField<Key>], closed: Bool = false) -> Schema {
        Schema(type: "object",
               properties: Dictionary(uniqueKeysWithValues: fields.map { ($0.key.stringValue, $0.schema) }),
               required: fields.filter(\.required).map(\.key.stringValue),
               additionalProperties: closed ? .forbidden : nil)
    }

    // MARK: Modifiers

    func described(_ text: String) -> Schema {
        var s = self
        s.description = text
        return s
    }

    func defaulting(_ value: Bool) -> Schema { defaulting(json: .bool(value)) }
    func defaulting(_ value: Int) -> Schema { defaulting(json: .int(value)) }
    func defaulting(_ value: String) -> Schema { defaulting(json: .string(value)) }

    func defaulting(json value: JSONValue) -> Schema {
        var s = self
        s.defaultValue = value
        return s
    }

    /// Null allowed besides the schema's own values.
    var orNull: Schema {
        var s = self
        s.nullable = true
        return s
    }
}

/// One property of an object schema, named by the type's own coding key.
struct SchemaField<Key: CodingKey>: Sendable where Key: Sendable {
    let key: Key
    let schema: Schema
    let required: Bool

    static func required(_ key: Key, _ schema: Schema) -> SchemaField { .init(key: key, schema: schema, required: true) }
    static func optional(_ key: Key, _ schema: Schema) -> SchemaField { .init(key: key, schema: schema, required: false) }
}

/// A JSON body of the API: its coding keys and, beside them, the schema of each.
protocol APIObject {
    associatedtype CodingKeys: CodingKey & CaseIterable & Sendable
    /// The name under `#/components/schemas`.
    static var schemaName: String { get }
    static var fields: [SchemaField<CodingKeys>] { get }
    /// Requests refuse unknown keys; responses may grow new ones.
    static var closed: Bool { get }
    static var summary: String? { get }
}

extension APIObject {
    static var closed: Bool { false }
    static var summary: String? { nil }
    static var schema: Schema {
        let s = Schema.object(fields, closed: closed)
        return summary.map { s.described($0) } ?? s
    }
}
