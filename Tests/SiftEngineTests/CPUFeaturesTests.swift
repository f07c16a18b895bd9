import Foundation
import SiftEngine
import Testing

@Suite("CPU features from /proc/cpuinfo")
struct CPUFeaturesTests {
    private func cpu(_ flags: String) -> CPUFeatures {
        CPUFeatures(cpuinfo: "processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: \(flags)\n\nprocessor\t: 1\nflags\t\t: fpu\n", cores: 2)
    }

    @Test func amxXeon() {
        let c = cpu("fpu sse sse2 avx2 fma avx512f avx512bw avx512_vnni avx512_bf16 amx_tile amx_bf16 amx_int8")
        #expect(c.modelName == "Test CPU 9000")
        #expect(c.has(.amxInt8) && c.has(.avx512vnni))
        #expect(c.featureList == "AVX2 FMA AVX-512 AVX-512BW VNNI AVX512-BF16 AMX AMX-BF16 AMX-INT8")
        #expect(c.hardwarePrecisions == ["fp32 (AVX-512)", "bf16 (AMX)", "int8 (AMX)"])
    }

    @Test func epycWithoutAMX() {
        let c = cpu("avx2 fma avx512f avx512_vnni avx512_bf16")
        #expect(!c.has(.amxBF16))
        #expect(c.hardwarePrecisions == ["fp32 (AVX-512)", "bf16 (AVX512-BF16)", "int8 (AVX-512 VNNI)"])
    }

    @Test func olderCPUs() {
        #expect(cpu("avx2 fma").hardwarePrecisions == ["fp32 (AVX2)", "int8 (AVX2)"])
        // A flag that is only a prefix of a longer one is not taken for it.
        #expect(cpu("sse4_2 avx512fp16").features.isEmpty)
        #expect(cpu("sse4_2").featureList == "none of AVX2/AVX-512/AMX")
        #expect(CPUFeatures(cpuinfo: "", cores: 1).modelName == "unknown CPU")
    }
}

/// OpenBLAS kernels follow the CPU's instruction sets (Sources/CBLASKernels): a process started
/// with OpenBLAS forced onto its SSE3 `Prescott` kernels — what Debian's 0.3.21 picks by itself on
/// some AVX-512 Xeons — runs AVX2 or AVX-512 kernels instead, on any CPU that has them.
@Suite("OpenBLAS kernel family")
struct BLASKernelTests {
    /// `sift info --json`'s machine section, from the `sift` built beside this test bundle.
    private func machine(_ env: [String: String]) throws -> [String: Any]? {
        let dir = Bundle.main.executableURL?.deletingLastPathComponent()
        let candidates = [dir?.appendingPathComponent("sift"), dir?.deletingLastPathComponent().appendingPathComponent("sift")]
        guard let sift = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            Issue.record("no sift binary beside the test bundle (\(dir?.path ?? "?")); build it with `swift build --build-tests`")
            return nil
        }
        let p = Process()
        p.executableURL = sift
        p.arguments = ["info", "--json"]
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["machine"] as? [String: Any]
    }

    @Test func sse3KernelsAreReplacedOnVectorCPUs() throws {
        let cpu = CPUFeatures.current
        guard cpu.has(.avx2) && cpu.has(.fma) else { return }  // nothing better than SSE3 to run
        let forced = try #require(try machine(["OPENBLAS_CORETYPE": "Prescott"]))
        let core = try #require(forced["blasCore"] as? String)
        #expect(forced["blasCoreReplaced"] as? String == "Prescott")
        let avx512 = ["SkylakeX", "Cooperlake"]
        if cpu.has(.avx512f) && cpu.has(.avx512bw) {
            #expect(avx512.contains(core), "core \(core)")
            #expect((core == "Cooperlake") == cpu.has(.avx512bf16))
        } else {
            #expect(core == "Haswell", "core \(core)")
        }
        // Kept when asked, so OpenBLAS's own choice can still be measured.
        let kept = try #require(try machine(["OPENBLAS_CORETYPE": "Prescott", "SIFT_KEEP_OPENBLAS_CORE": "1"]))
        #expect(kept["blasCore"] as? String == "Prescott" && kept["blasCoreReplaced"] == nil)
    }
}
