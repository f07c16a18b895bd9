import Foundation

/// What this CPU can run, read from the kernel's view of CPUID (`/proc/cpuinfo` flags), so that
/// `sift info` and every benchmark say which instruction sets were there. Model names never decide
/// anything: the same model name has shipped with and without AVX-512.
public struct CPUFeatures: Sendable, Equatable {
    /// The instruction-set extensions Sift cares about, in the order they are printed.
    public enum Feature: String, CaseIterable, Sendable {
        case avx2, fma, avx512f, avx512bw, avx512vnni = "avx512_vnni", avx512bf16 = "avx512_bf16"
        case amxTile = "amx_tile", amxBF16 = "amx_bf16", amxInt8 = "amx_int8"

        public var displayName: String {
            switch self {
            case .avx2: "AVX2"
            case .fma: "FMA"
            case .avx512f: "AVX-512"
            case .avx512bw: "AVX-512BW"
            case .avx512vnni: "VNNI"
            case .avx512bf16: "AVX512-BF16"
            case .amxTile: "AMX"
            case .amxBF16: "AMX-BF16"
            case .amxInt8: "AMX-INT8"
            }
        }
    }

    public let modelName: String
    public let features: Set<Feature>
    public let cores: Int

    public init(modelName: String, features: Set<Feature>, cores: Int) {
        self.modelName = modelName
        self.features = features
        self.cores = cores
    }

    /// Parses `/proc/cpuinfo` text (the first processor's `model name` and `flags`).
    public init(cpuinfo: String, cores: Int) {
        let lines = cpuinfo.split(separator: "\n")
        func value(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key) }?.split(separator: ":", maxSplits: 1).last.map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        let flags = Set((value("flags") ?? "").split(separator: " ").map(String.init))
        self.init(modelName: value("model name") ?? "unknown CPU",
                  features: Set(Feature.allCases.filter { flags.contains($0.rawValue) }), cores: cores)
    }

    /// This machine's CPU.
    public static let current = CPUFeatures(
        cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "",
        cores: ProcessInfo.processInfo.activeProcessorCount)

    public func has(_ f: Feature) -> Bool { features.contains(f) }

    /// "AVX2 FMA AVX-512 VNNI …" in a fixed order; "none" on a CPU without any of them.
    public var featureList: String {
        let names = Feature.allCases.filter(features.contains).map(\.displayName)
        return names.isEmpty ? "none of AVX2/AVX-512/AMX" : names.joined(separator: " ")
    }

    /// Low-precision arithmetic the hardware itself offers (what oneDNN can dispatch to).
    public var hardwarePrecisions: [String] {
        var out = ["fp32 (\(has(.avx512f) ? "AVX-512" : has(.avx2) ? "AVX2" : "SSE"))"]
        if has(.amxBF16) { out.append("bf16 (AMX)") } else if has(.avx512bf16) { out.append("bf16 (AVX512-BF16)") }
        if has(.amxInt8) { out.append("int8 (AMX)") } else if has(.avx512vnni) { out.append("int8 (AVX-512 VNNI)") }
        else if has(.avx2) { out.append("int8 (AVX2)") }
        return out
    }
}
