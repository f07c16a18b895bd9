import Foundation

/// Goldens are parsed with JSONDecoder: on Linux JSONSerialization rounds some 17-digit
/// numbers to a neighbouring double (0.41000000000000003 reads as 0.41), which merges
/// near-tied scores and changes the metrics being checked.
enum GoldenValue: Decodable {
    case number(Double), string(String), array([GoldenValue]), object([String: GoldenValue]), bool(Bool), null

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([GoldenValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: GoldenValue].self)) }
    }

    /// Plain Swift values: Double, String, [Any], [String: Any], Bool or NSNull.
    var any: Any {
        switch self {
        case .number(let d): return d
        case .string(let s): return s
        case .array(let a): return a.map(\.any)
        case .object(let o): return o.mapValues(\.any)
        case .bool(let b): return b
        case .null: return NSNull()
        }
    }
}

extension Array where Element == Any {
    var ints: [Int] { map { Int($0 as! Double) } }
    var doubles: [Double] { map { $0 as! Double } }
}
