import Foundation
import SiftCore

/// Writes safetensors files (F32, F16, BF16 and I64) through SiftCore's `AtomicWriter`: a crash
/// or a full disk mid-write never replaces a good file with half of one, and a failure is a
/// `WriteError` naming the file (disk full included), with the temporary file removed.
public enum SafetensorsWriter {
    public enum Payload {
        case f32(UnsafeBufferPointer<Float>)
        case f32Array([Float])
        case i64([Int64])
    }

    public struct Entry: @unchecked Sendable {
        public var name: String
        public var shape: [Int]
        public var payload: Payload
        /// Stored dtype for float payloads (F32, F16 or BF16); I64 payloads ignore it.
        public var dtype: DType
        public init(name: String, shape: [Int], payload: Payload, dtype: DType = .f32) {
            self.name = name; self.shape = shape; self.payload = payload; self.dtype = dtype
        }
    }

    public static func write(_ entries: [Entry], metadata: [String: String] = ["format": "pt"], to url: URL) throws {
        let (json, sorted) = try header(entries, metadata: metadata, file: url.path)
        let out = try AtomicWriter(url: url)
        try write(header: json, sorted, into: out)
        try out.commit()
    }

    /// The JSON header (padded) and the entries in file order; checks each payload against its shape.
    private static func header(_ entries: [Entry], metadata: [String: String], file: String) throws -> (Data, [Entry]) {
        // Header: names sorted (like the reference implementation), offsets in that order.
        let sorted = entries.sorted { $0.name < $1.name }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        var sizes: [Int] = []
        for e in sorted {
            let count = e.shape.reduce(1, *)
            let dtype: DType
            switch e.payload {
            case .i64(let a):
                dtype = .i64
                guard a.count == count else { throw EngineError.badInput("\(file): tensor '\(e.name)': \(a.count) values for shape \(e.shape)") }
            case .f32(let b):
                dtype = e.dtype
                guard b.count == count else { throw EngineError.badInput("\(file): tensor '\(e.name)': \(b.count) values for shape \(e.shape)") }
            case .f32Array(let a):
                dtype = e.dtype
                guard a.count == count else { throw EngineError.badInput("\(file): tensor '\(e.name)': \(a.count) values for shape \(e.shape)") }
            }
            guard dtype != .i64 || { if case .i64 = e.payload { return true } else { return false } }() else {
                throw EngineError.badInput("\(file): tensor '\(e.name)': float values cannot be stored as I64")
            }
            let bytes = count * dtype.byteSize
            header[e.name] = ["dtype": dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            sizes.append(bytes)
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces to a multiple of 8 so the data section is aligned.
        while (json.count % 8) != 0 { json.append(0x20) }
        return (json, sorted)
    }

    /// Writes the file's bytes into `out` without committing it, so a caller can publish several
    /// files in an order of its choosing (see `BertModel.save(directory:)`).
    public static func write(_ entries: [Entry], metadata: [String: String] = ["format": "pt"], into out: AtomicWriter) throws {
        let (json, sorted) = try header(entries, metadata: metadata, file: out.url.path)
        try write(header: json, sorted, into: out)
    }

    private static func write(header json: Data, _ sorted: [Entry], into out: AtomicWriter) throws(WriteError) {
        let len = UInt64(json.count)
        try out.write((0..<8).map { UInt8(truncatingIfNeeded: len >> (8 * UInt64($0))) })
        try out.write(json)
        for e in sorted {
            switch e.payload {
            case .i64(let a):
                try out.write(a.withUnsafeBytes { Data($0) })
            case .f32(let b):
                if e.dtype == .f32 { try out.write(UnsafeRawBufferPointer(b)) } else { try out.write(encode(b, dtype: e.dtype)) }
            case .f32Array(let a):
                try out.write(a.withUnsafeBufferPointer { encode($0, dtype: e.dtype) })
            }
        }
    }

    private static func encode(_ b: UnsafeBufferPointer<Float>, dtype: DType) -> Data {
        switch dtype {
        case .f16: return Data(b.map { HalfConversion.floatToF16($0).littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) })
        case .bf16: return Data(b.map { HalfConversion.floatToBF16($0).littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) })
        default: return Data(buffer: b)
        }
    }
}
