import CDNNL
import Foundation

/// One `nn.Linear` whose weights oneDNN has packed once, for one precision: the matmul primitive
/// is created with a runtime row count, so every batch length reuses it, and batch 1 never
/// re-packs (OpenBLAS copies each weight panel on every call). Immutable; any number of threads
/// may call `forward` at once, each on its own rows.
public final class PackedLinear: @unchecked Sendable {
    public let precision: Precision
    public let inChannels: Int, outChannels: Int
    /// Exact GELU applied in the same pass (the intermediate layer of a "gelu" model).
    public let fusedGELU: Bool
    private let handle: OpaquePointer

    /// Packs `weight` [out, in] (PyTorch layout) and copies `bias` [out]; `fusedGELU` makes the
    /// output gelu(x·wᵀ + b) (oneDNN's epilogue for fp32/bf16, Sift's int8 epilogue).
    public init(precision: Precision, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                inChannels: Int, outChannels: Int, fusedGELU: Bool = false) throws {
        var err = [CChar](repeating: 0, count: 256)
        guard let h = sift_linear_create(precision.c, inChannels, outChannels, weight, bias,
                                         fusedGELU ? SIFT_GELU_ERF : SIFT_NO_ACTIVATION, &err, err.count) else {
            throw EngineError.unsupportedPrecision(precision.rawValue, reason: String(cString: err))
        }
        self.handle = h
        self.precision = precision
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.fusedGELU = fusedGELU
    }

    deinit { sift_linear_destroy(handle) }

    /// The oneDNN implementation that runs ("brg:avx512_core_amx", "gemm:jit", "ref:any", …).
    public var kernel: String { String(cString: sift_linear_kernel(handle)) }

    /// Bytes held by the packed weights and their scales.
    public var packedBytes: Int { sift_linear_packed_bytes(handle) }

    /// out [rows, out] = inp [rows, in] · weightᵀ + bias (then GELU when fused), on the calling thread.
    public func forward(rows: Int, inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) throws {
        if rows == 0 { return }
        var err = [CChar](repeating: 0, count: 256)
        if sift_linear_forward(handle, rows, inp, out, &err, err.count) != 0 {
            throw EngineError.badInput("dense layer \(inChannels)x\(outChannels) (\(precision.rawValue)): \(String(cString: err))")
        }
    }

    /// `forward` with the rows split over `workers` threads (one sequence on several cores).
    public func forward(rows: Int, inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, workers: Int) throws {
        // Under ~64k multiply-adds a thread wake-up costs more than it saves.
        if workers <= 1 || rows < 2 || rows * inChannels * outChannels < 65_536 {
            return try forward(rows: rows, inp: inp, out: out)
        }
        let errors = ErrorSlot()
        Parallel.chunks(rows, workers: workers) { lo, hi in
            do { try self.forward(rows: hi - lo, inp: inp + lo * self.inChannels, out: out + lo * self.outChannels) } catch { errors.set(error) }
        }
        if let e = errors.error { throw e }
    }
}

/// The first error any worker hit.
final class ErrorSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?
    func set(_ e: Error) { lock.withLock { if first == nil { first = e } } }
    var error: Error? { lock.withLock { first } }
}
