import Foundation
import Testing
@testable import SiftEngine

@Suite struct SafetensorsTests {
    /// Builds a file by hand: 8-byte length, header JSON, data.
    func rawFile(_ header: String, data: [UInt8], in dir: TempDir, name: String = "m.safetensors") throws -> URL {
        var bytes = [UInt8]()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { bytes += $0 }
        bytes += Array(header.utf8)
        bytes += data
        let url = dir.url.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    @Test func roundTripAllDtypes() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("w.safetensors")
        let a: [Float] = [1, -2.5, 3.25, 0, 65504, 1e-3]
        try SafetensorsWriter.write([
            .init(name: "a", shape: [2, 3], payload: .f32Array(a)),
            .init(name: "h", shape: [6], payload: .f32Array(a), dtype: .f16),
            .init(name: "b", shape: [3, 2], payload: .f32Array(a), dtype: .bf16),
            .init(name: "i", shape: [2], payload: .i64([7, -9])),
        ], to: url)
        let f = try SafetensorsFile(url: url)
        #expect(f.tensors["a"]?.shape == [2, 3])
        #expect(try f.floats("a") == a)
        // F16 keeps these values to within half precision (1e-3 rounds to 0.0010004).
        #expect(allClose(try f.floats("h"), a, atol: 1e-6, rtol: 1e-3).ok)
        #expect(allClose(try f.floats("b"), a, atol: 1e-6, rtol: 8e-3).ok)
        #expect(try f.int64s("i") == [7, -9])
        #expect(f.metadata["format"] == "pt")
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["w.safetensors"])
    }

    @Test func halfConversionsAreExact() {
        // Known bit patterns: 1.0, -2.0, 65504 (max), smallest subnormal 2^-24, +inf.
        #expect(HalfConversion.f16ToFloat(0x3C00) == 1)
        #expect(HalfConversion.f16ToFloat(0xC000) == -2)
        #expect(HalfConversion.f16ToFloat(0x7BFF) == 65504)
        #expect(HalfConversion.f16ToFloat(0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(HalfConversion.f16ToFloat(0x7C00) == .infinity)
        #expect(HalfConversion.f16ToFloat(0x7E00).isNaN)
        #expect(HalfConversion.bf16ToFloat(0x3F80) == 1)
        for bits in stride(from: UInt16(0), to: 0x7C00, by: 37) {
            #expect(HalfConversion.floatToF16(HalfConversion.f16ToFloat(bits)) == bits)
        }
    }

    @Test func rejectsBadFilesNamingFileAndTensor() throws {
        let dir = try TempDir()
        func expectError(_ url: URL, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try SafetensorsFile(url: url)
                Issue.record("expected an error containing '\(fragment)'", sourceLocation: sourceLocation)
            } catch {
                let msg = error.localizedDescription
                #expect(msg.contains(url.lastPathComponent), "\(msg)", sourceLocation: sourceLocation)
                #expect(msg.contains(fragment), "\(msg)", sourceLocation: sourceLocation)
            }
        }
        let eight = [UInt8](repeating: 0, count: 8)
        // Too short for the length prefix.
        let short = dir.url.appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: short)
        expectError(short, "too short")
        // Header length beyond the file.
        var big = [UInt8](repeating: 0, count: 8); big[7] = 0x10
        let huge = dir.url.appendingPathComponent("huge.safetensors")
        try Data(big + [0x7B, 0x7D]).write(to: huge)
        expectError(huge, "exceeds file size")
        expectError(try rawFile("{not json", data: [], in: dir, name: "json.safetensors"), "not valid JSON")
        expectError(try rawFile(#"{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, data: eight, in: dir, name: "dt.safetensors"), "'w': unsupported dtype F64")
        expectError(try rawFile(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight, in: dir, name: "sz.safetensors"), "'w': shape [3] x F32 needs 12 bytes")
        expectError(try rawFile(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: eight, in: dir, name: "trunc.safetensors"), "'w': data span 0..<16 extends past")
        expectError(try rawFile(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eight, in: dir, name: "ovl.safetensors"), "overlaps")
        expectError(try rawFile(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: eight, in: dir, name: "neg.safetensors"), "non-negative")
        expectError(try rawFile(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: eight, in: dir, name: "rev.safetensors"), "increasing")
        expectError(try rawFile(#"[1,2]"#, data: [], in: dir, name: "arr.safetensors"), "not a JSON object")
    }

    /// Every truncation of a real checkpoint fails cleanly (error, no crash, no hang).
    @Test func truncatedCheckpointsFailCleanly() throws {
        let dir = try TempDir()
        let src = try Data(contentsOf: SiftTestSupportPaths.tinyBase.appendingPathComponent("model.safetensors"))
        for cut in [0, 4, 8, 20, 200, src.count / 2, src.count - 1] {
            let url = dir.url.appendingPathComponent("cut\(cut).safetensors")
            try src.prefix(cut).write(to: url)
            #expect(throws: EngineError.self) { _ = try SafetensorsFile(url: url) }
        }
        // Flipped bytes inside the header: an error or a valid parse, never a crash.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var bytes = [UInt8](src.prefix(4096))
            let i = Int.random(in: 8..<bytes.count, using: &rng)
            bytes[i] = UInt8.random(in: 0...255, using: &rng)
            let url = dir.url.appendingPathComponent("flip.safetensors")
            try Data(bytes).write(to: url)
            _ = try? SafetensorsFile(url: url)
        }
    }
}
