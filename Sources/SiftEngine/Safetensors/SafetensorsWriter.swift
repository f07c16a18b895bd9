import Foundation

/// Writes safetensors files (F32, F16, BF16 and I64), atomically: the bytes go to a temporary
/// file beside the target, which is renamed over it only once complete, so a crash mid-write
/// never replaces a good checkpoint with half of one.
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
        let file = url.path
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

        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        _ = FileManager.default.createFile(atPath: tmp.path, contents: nil)
        guard let fh = FileHandle(forWritingAtPath: tmp.path) else {
            throw EngineError.unreadable(file: tmp.path, reason: "cannot create temporary file")
        }
        var committed = false
        defer {
            try? fh.close()
            if !committed { try? FileManager.default.removeItem(at: tmp) }
        }
        var len = UInt64(json.count).littleEndian
        fh.write(Data(bytes: &len, count: 8))
        fh.write(json)
        for e in sorted {
            var out = Data()
            switch e.payload {
            case .i64(let a):
                a.withUnsafeBufferPointer { out = Data(buffer: $0) }
            case .f32(let b):
                out = encode(b, dtype: e.dtype)
            case .f32Array(let a):
                out = a.withUnsafeBufferPointer { encode($0, dtype: e.dtype) }
            }
            fh.write(out)
        }
        try fh.synchronize()
        try fh.close()
        if rename(tmp.path, url.path) != 0 {
            throw EngineError.unreadable(file: file, reason: "rename failed: \(String(cString: strerror(errno)))")
        }
        committed = true
    }

    private static func encode(_ b: UnsafeBufferPointer<Float>, dtype: DType) -> Data {
        switch dtype {
        case .f16: return Data(b.map { HalfConversion.floatToF16($0).littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) })
        case .bf16: return Data(b.map { HalfConversion.floatToBF16($0).littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) })
        default: return Data(buffer: b)
        }
    }
}
