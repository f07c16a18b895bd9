import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One tensor's entry in a safetensors header, already validated against the file.
public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    /// Byte range inside the data section (after the 8-byte length and the JSON header).
    public var begin: Int
    public var end: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file.
///
/// Layout: u64 little-endian header length `n`, `n` bytes of JSON
/// (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`), then the
/// data section. Everything is validated in `init` before any tensor byte is trusted: the header
/// fits in the file, the JSON is well formed, each dtype is known, shape x dtype size equals the
/// span, spans lie inside the data section and do not overlap. Every error names file and tensor.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    // Immutable after init; the mapping is read-only, hence @unchecked Sendable.
    private let base: UnsafeRawPointer?
    private let mappedLength: Int
    private let dataStart: Int

    public convenience init(url: URL) throws { try self.init(path: url.path) }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw EngineError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw EngineError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        guard size >= 8 else {
            throw EngineError.badSafetensors(file: path, tensor: nil, reason: "file is \(size) bytes, too short for the 8-byte header length")
        }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw EngineError.unreadable(file: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let raw = UnsafeRawPointer(m)
        var ok = false
        defer { if !ok { munmap(m, size) } }

        let headerLen = raw.loadUnaligned(as: UInt64.self).littleEndian
        guard headerLen <= UInt64(size - 8) else {
            throw EngineError.badSafetensors(file: path, tensor: nil,
                reason: "header length \(headerLen) exceeds file size \(size) (truncated or not a safetensors file)")
        }
        let n = Int(headerLen)
        let headerData = Data(bytes: raw + 8, count: n)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: headerData) } catch {
            throw EngineError.badSafetensors(file: path, tensor: nil, reason: "header is not valid JSON")
        }
        guard let dict = json as? [String: Any] else {
            throw EngineError.badSafetensors(file: path, tensor: nil, reason: "header is not a JSON object")
        }
        let dataStart = 8 + n
        let dataSize = size - dataStart
        var infos: [String: TensorInfo] = [:]
        var meta: [String: String] = [:]
        for (name, value) in dict {
            if name == "__metadata__" {
                guard let md = value as? [String: Any] else {
                    throw EngineError.badSafetensors(file: path, tensor: nil, reason: "__metadata__ is not an object")
                }
                for (k, v) in md { meta[k] = (v as? String) ?? "\(v)" }
                continue
            }
            infos[name] = try Self.parseEntry(name: name, value: value, file: path, dataSize: dataSize)
        }
        // Spans must not overlap: sort by start and compare neighbours.
        let sorted = infos.values.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin < a.end {
            throw EngineError.badSafetensors(file: path, tensor: b.name,
                reason: "data span \(b.begin)..<\(b.end) overlaps tensor '\(a.name)' (\(a.begin)..<\(a.end))")
        }
        self.tensors = infos
        self.metadata = meta
        self.base = raw
        self.mappedLength = size
        self.dataStart = dataStart
        ok = true
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }
    }

    private static func parseEntry(name: String, value: Any, file: String, dataSize: Int) throws -> TensorInfo {
        func bad(_ why: String) -> EngineError { .badSafetensors(file: file, tensor: name, reason: why) }
        guard let e = value as? [String: Any] else { throw bad("entry is not an object") }
        guard let dt = e["dtype"] as? String else { throw bad("missing dtype") }
        guard let dtype = DType(rawValue: dt) else {
            throw bad("unsupported dtype \(dt) (supported: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shapeAny = e["shape"] as? [Any] else { throw bad("missing shape") }
        var shape: [Int] = []
        for s in shapeAny {
            guard let n = s as? NSNumber, let v = Int(exactly: n.doubleValue), v >= 0 else { throw bad("shape \(shapeAny) is not a list of non-negative integers") }
            shape.append(v)
        }
        guard let offs = e["data_offsets"] as? [Any], offs.count == 2,
              let b0 = offs[0] as? NSNumber, let e0 = offs[1] as? NSNumber,
              let begin = Int(exactly: b0.doubleValue), let end = Int(exactly: e0.doubleValue) else {
            throw bad("data_offsets must be [begin, end]")
        }
        guard begin >= 0, end >= begin else { throw bad("data_offsets [\(begin), \(end)] are not an increasing range") }
        guard end <= dataSize else {
            throw bad("data span \(begin)..<\(end) extends past the data section (\(dataSize) bytes; file truncated?)")
        }
        var count = 1
        for s in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: s)
            guard !overflow else { throw bad("shape \(shape) overflows") }
            count = p
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes == end - begin else {
            throw bad("shape \(shape) x \(dtype.rawValue) needs \(count * dtype.byteSize) bytes but the span holds \(end - begin)")
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// Raw bytes of a tensor (inside the mapping; valid while `self` lives).
    public func rawBytes(_ info: TensorInfo) -> UnsafeRawBufferPointer {
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + dataStart + info.begin, count: info.end - info.begin)
    }

    /// Copies a float tensor (F32, or F16/BF16 converted) into `dst`, which holds `info.elementCount`.
    public func copyFloats(_ info: TensorInfo, into dst: UnsafeMutablePointer<Float>) throws {
        let raw = rawBytes(info)
        let n = info.elementCount
        switch info.dtype {
        case .f32:
            // Data may sit at any byte offset; copy bytes, then fix endianness (a no-op on x86/arm64).
            if n > 0 { memcpy(dst, raw.baseAddress!, n * 4) }
        case .f16:
            for i in 0..<n { dst[i] = HalfConversion.f16ToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
        case .bf16:
            for i in 0..<n { dst[i] = HalfConversion.bf16ToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
        case .i64:
            throw EngineError.badSafetensors(file: path, tensor: info.name, reason: "expected a float tensor, found I64")
        }
    }

    /// Tells the kernel a tensor's pages are no longer needed (after copying them into a parameter
    /// buffer), so loading a model does not hold the file and the buffer resident at once.
    public func releasePages(_ info: TensorInfo) {
        guard let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = dataStart + info.begin, end = dataStart + info.end
        // Whole pages strictly inside the span; neighbours' pages stay untouched.
        let first = (start + page - 1) / page * page, last = end / page * page
        if last > first { madvise(UnsafeMutableRawPointer(mutating: base + first), last - first, Int32(MADV_DONTNEED)) }
    }

    /// Reads a float tensor as an array.
    public func floats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw EngineError.missingTensor(file: path, tensor: name) }
        return try [Float](unsafeUninitializedCapacity: info.elementCount) { buf, count in
            if info.elementCount > 0 { try copyFloats(info, into: buf.baseAddress!) }
            count = info.elementCount
        }
    }

    /// Reads an I64 tensor (e.g. `position_ids` buffers some checkpoints carry).
    public func int64s(_ name: String) throws -> [Int64] {
        guard let info = tensors[name] else { throw EngineError.missingTensor(file: path, tensor: name) }
        guard info.dtype == .i64 else {
            throw EngineError.badSafetensors(file: path, tensor: name, reason: "expected I64, found \(info.dtype.rawValue)")
        }
        let raw = rawBytes(info)
        return (0..<info.elementCount).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self).littleEndian }
    }
}
