import CDNNL

/// The arithmetic of the encoder's dense layers (Q|K|V, attention output, intermediate, output).
/// LayerNorm, softmax, GELU, the attention products, embeddings and heads stay fp32 in every one.
public enum Precision: String, CaseIterable, Sendable, Codable {
    /// fp32 weights and inputs.
    case fp32
    /// Weights and inputs rounded to bfloat16 (round to nearest even), fp32 accumulation and output.
    case bf16
    /// Weights symmetric int8 per output channel; each input row (token) quantized dynamically and
    /// symmetrically (no zero point); int32 accumulation; dequantized with the bias in one pass.
    case int8

    /// Fastest first, the order `auto` tries.
    public static let fastestFirst: [Precision] = [.int8, .bf16, .fp32]

    var c: sift_precision {
        switch self {
        case .fp32: SIFT_FP32
        case .bf16: SIFT_BF16
        case .int8: SIFT_INT8
        }
    }
}
