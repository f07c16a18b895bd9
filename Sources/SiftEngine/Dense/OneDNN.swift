import CDNNL

/// The oneDNN library the dense layers run on (PyPI `onednn-cpu-gomp`, see scripts/setup.sh).
public enum OneDNN {
    /// "3.2.0".
    public static var version: String { String(cString: sift_dnnl_version()) }
    /// The instruction set oneDNN dispatches to on this CPU ("avx512_core_amx", "avx2", …), after
    /// `ONEDNN_MAX_CPU_ISA` (which tests use to exercise the AVX2 kernels on any CPU).
    public static var isa: String { String(cString: sift_dnnl_isa()) }

    /// The kernel oneDNN runs for `precision` at a MiniLM-sized layer (384 → 1536), or why none
    /// runs. A "ref:" kernel means reference loops: available, but not a precision to choose.
    public static func kernel(for precision: Precision, inChannels: Int = 384, outChannels: Int = 1536) -> Result<String, Error> {
        let w = [Float](repeating: 0.01, count: inChannels * outChannels)
        return Result { try PackedLinear(precision: precision, weight: w, bias: nil, inChannels: inChannels, outChannels: outChannels).kernel }
    }
}
