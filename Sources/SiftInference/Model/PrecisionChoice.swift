import Foundation
import SiftEngine

/// What `--precision` asks for: one precision, or `auto`, the fastest this CPU runs whose
/// embeddings pass the accuracy gate against fp32 on the probe texts.
public enum PrecisionChoice: String, CaseIterable, Sendable {
    case fp32, bf16, int8, auto
}

/// The precision a bundle ended up with, and why.
public struct PrecisionSelection: Sendable {
    /// What runs; nil when oneDNN could not run even fp32 and the OpenBLAS path serves.
    public let precision: Precision?
    /// oneDNN's implementations ("brg:avx512_core_amx", ...), or "OpenBLAS".
    public let kernels: [String]
    /// One line per fallback (a precision this CPU cannot run), for the caller to print.
    public let warnings: [String]
    /// `auto`'s measurements, one per candidate it tried.
    public let candidates: [Candidate]

    public struct Candidate: Sendable {
        public let precision: Precision
        public let gate: PrecisionGate?
        /// Seconds for one forward over the probe texts (best of two); nil when not run.
        public let seconds: Double?
        /// Why it was not taken, when it was not.
        public let rejected: String?
    }

    /// "int8 (oneDNN brg:avx512_core_amx)".
    public var description: String {
        guard let p = precision else { return "fp32 (OpenBLAS)" }
        return "\(p.rawValue) (oneDNN \(kernels.joined(separator: ", ")))"
    }
}

/// Embedding agreement with fp32: cosine of each probe text's embedding.
public struct PrecisionGate: Sendable {
    public let meanCosine: Float
    public let minCosine: Float
    /// The issue's embedding targets: mean ≥ 0.995 and min ≥ 0.98.
    public static let minimumMean: Float = 0.995, minimumMin: Float = 0.98
    public var passes: Bool { meanCosine >= Self.minimumMean && minCosine >= Self.minimumMin }

    public init(reference: [[Float]], candidate: [[Float]]) {
        let cos = zip(reference, candidate).map { a, b -> Float in
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for (x, y) in zip(a, b) { dot += x * y; na += x * x; nb += y * y }
            return na == 0 && nb == 0 ? 1 : dot / max(1e-20, (na * nb).squareRoot())
        }
        meanCosine = cos.isEmpty ? 1 : cos.reduce(0, +) / Float(cos.count)
        minCosine = cos.min() ?? 1
    }
}

extension ModelBundle {
    /// Packs the bundle's dense layers for `choice`. A precision oneDNN cannot run on this CPU (no
    /// kernel, or only its reference loops) falls back to fp32 with one warning, or throws when
    /// `strict`. `auto` embeds the probe texts in fp32 (OpenBLAS) and in each precision, drops
    /// those failing `PrecisionGate`, and keeps the fastest of the rest.
    @discardableResult
    public func usePrecision(_ choice: PrecisionChoice, strict: Bool = false) throws -> PrecisionSelection {
        if choice == .auto { return try selectAuto() }
        let wanted = Precision(rawValue: choice.rawValue)!
        var warnings: [String] = []
        for p in wanted == .fp32 ? [Precision.fp32] : [wanted, .fp32] {
            do {
                try model.pack(p)
                if let packed = model.packed, packed.usesReferenceKernel {
                    throw EngineError.unsupportedPrecision(p.rawValue, reason: "oneDNN has only its reference kernel (\(packed.kernels.joined(separator: ", "))) for it on this CPU (ISA \(OneDNN.isa))")
                }
                return PrecisionSelection(precision: p, kernels: model.packed?.kernels ?? [], warnings: warnings, candidates: [])
            } catch {
                try model.pack(nil)
                if strict { throw error }
                warnings.append("warning: \(error.localizedDescription); running \(p == .fp32 ? "fp32 on OpenBLAS" : "fp32") instead")
            }
        }
        return PrecisionSelection(precision: nil, kernels: ["OpenBLAS"], warnings: warnings, candidates: [])
    }

    private func selectAuto() throws -> PrecisionSelection {
        let batch = try encoder.pack(PrecisionProbe.texts)
        let acts = model.makeActivations()
        func embed() throws -> (vectors: [[Float]], seconds: Double) {
            var best = Double.infinity, vectors: [[Float]] = []
            for _ in 0..<2 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try embedder.embed(batch, acts: acts)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                vectors = embedder.rows(batch.batchSize, acts: acts)
            }
            return (vectors, best)
        }
        try model.pack(nil)
        let reference = try embed().vectors
        var candidates: [PrecisionSelection.Candidate] = []
        for p in Precision.fastestFirst {
            do {
                try model.pack(p)
                guard let packed = model.packed, !packed.usesReferenceKernel else {
                    candidates.append(.init(precision: p, gate: nil, seconds: nil, rejected: "reference kernel only on this CPU"))
                    continue
                }
                let (vectors, seconds) = try embed()
                let gate = PrecisionGate(reference: reference, candidate: vectors)
                candidates.append(.init(precision: p, gate: gate, seconds: seconds,
                                        rejected: gate.passes ? nil : "fails the accuracy gate"))
            } catch {
                candidates.append(.init(precision: p, gate: nil, seconds: nil, rejected: error.localizedDescription))
            }
        }
        let fastest = candidates.filter { $0.rejected == nil }.min { $0.seconds! < $1.seconds! }
        guard let fastest else {
            try model.pack(nil)
            return PrecisionSelection(precision: nil, kernels: ["OpenBLAS"], warnings: ["warning: no oneDNN precision passed; running fp32 on OpenBLAS"], candidates: candidates)
        }
        try model.pack(fastest.precision)
        return PrecisionSelection(precision: fastest.precision, kernels: model.packed?.kernels ?? [], warnings: [], candidates: candidates)
    }
}

/// Texts `auto` measures precisions on: varied lengths, scripts and registers, so both a short
/// query and a long paragraph take part.
enum PrecisionProbe {
    static let texts: [String] = [
        "The parcel arrived two days late and the box was crushed.",
        "Great value for the price, I would buy it again.",
        "Customer service never answered my emails about the refund.",
        "Patient presents with SOB and CXR shows bilateral infiltrates; started on abx q.d.",
        "NPO after midnight, labs in the morning, follow up with cardiology.",
        "The central bank raised interest rates by a quarter of a percentage point on Thursday, citing persistent inflation in services and a tight labour market.",
        "Wire transfer of 9,900 USD to a new beneficiary flagged for review under the AML policy.",
        "Shares fell 4% after the company cut its full-year forecast.",
        "这个手机质量很好，电池也很耐用，物流速度快。",
        "包装太差了，收到的时候屏幕已经碎了，客服态度也不好。",
        "价格便宜，但是做工一般。",
        "Die Lieferung kam pünktlich, aber die Verpackung war beschädigt.",
        "Le produit est conforme à la description, je suis satisfait.",
        "El envío tardó tres semanas y nadie respondió a mis mensajes.",
        "Ok.",
        "Terrible.",
        "I love it!!! 😍😍",
        "What is the return policy for items bought on sale?",
        "The striker scored twice in the second half as the home side came back from two goals down to win the cup final in front of a sold-out crowd.",
        "Researchers unveiled a chip that runs neural networks at a fraction of the power of today's processors, which could bring speech recognition to cheap phones.",
        "The film's soundtrack won three awards at the ceremony on Sunday night.",
        "Ministers will publish the draft bill next month after a consultation with unions and employers.",
        "Battery drains quickly when the screen brightness is high; otherwise it works fine and the camera is sharp in daylight.",
        "Size runs small, order one size up.",
    ]
}
