import Foundation

/// The encoder's dense layers packed for one precision: per layer Q|K|V, attention output,
/// intermediate and output, in the order `BertModel.forward` runs them. Built once from the
/// model's fp32 parameters (`BertModel.pack`); the fp32 tensors stay the model's truth (training,
/// saving, heads).
public final class PackedEncoder: @unchecked Sendable {
    public struct Layer: Sendable {
        public let qkv: PackedLinear, attentionOutput: PackedLinear, intermediate: PackedLinear, output: PackedLinear
        public var all: [PackedLinear] { [qkv, attentionOutput, intermediate, output] }
    }

    public let precision: Precision
    public let layers: [Layer]
    /// Seconds the packing (and int8 quantization) took.
    public let packSeconds: Double

    init(model: BertModel, precision: Precision) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let p = model.parameters
        func pack(_ w: LinearWeights, gelu: Bool = false) throws -> PackedLinear {
            try PackedLinear(precision: precision, weight: p.pointer(w.weight), bias: p.pointer(w.bias),
                             inChannels: w.inFeatures, outChannels: w.outFeatures, fusedGELU: gelu)
        }
        // Exact GELU rides in the intermediate layer's epilogue; other activations run after it.
        let gelu = model.config.hiddenAct == .gelu
        layers = try model.weights.layers.map { w in
            Layer(qkv: try pack(w.attention.qkv), attentionOutput: try pack(w.attention.output),
                  intermediate: try pack(w.intermediate, gelu: gelu), output: try pack(w.output))
        }
        self.precision = precision
        packSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The oneDNN implementations that run, e.g. "brg:avx512_core_amx" (one entry when all agree).
    public var kernels: [String] {
        var seen: [String] = []
        for k in layers.flatMap({ $0.all.map(\.kernel) }) where !seen.contains(k) { seen.append(k) }
        return seen
    }

    /// Bytes of all packed weights.
    public var packedBytes: Int { layers.reduce(0) { $0 + $1.all.reduce(0) { $0 + $1.packedBytes } } }

    /// True when oneDNN fell back to its reference loops for some layer (correct but far slower
    /// than any vector kernel): a precision this CPU does not really run.
    public var usesReferenceKernel: Bool { kernels.contains { $0.hasPrefix("ref") } }
}
