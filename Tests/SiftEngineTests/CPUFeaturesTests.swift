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
