extension Ops {
    /// BERT embeddings before LayerNorm: out = wte[ids] + wpe[positions] + wtt[typeIds].
    /// - out [N,C], ids [N], positions [N], typeIds [N], wte [V,C], wpe [maxT,C], wtt [typeVocab,C]
    ///   (nil: the family has no token types). `wpe` points at the row of position 0 (RoBERTa's
    ///   table starts `pad + 1` rows earlier). Ids must be in range (checked by `PackedBatch.validate`).
    public static func embeddingsForward(
        out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, positions: UnsafePointer<Int32>,
        typeIds: UnsafePointer<Int32>, wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>,
        wtt: UnsafePointer<Float>?, n: Int, c: Int
    ) {
        for r in 0..<n {
            let o = out + r * c
            let w = wte + Int(ids[r]) * c, p = wpe + Int(positions[r]) * c
            if let wtt {
                let t = wtt + Int(typeIds[r]) * c
                for j in 0..<c { o[j] = w[j] + p[j] + t[j] }
            } else {
                for j in 0..<c { o[j] = w[j] + p[j] }
            }
        }
    }
}
