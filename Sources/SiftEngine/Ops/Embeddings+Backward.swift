extension Backward {
    /// Differentiates `out[n] = word[ids[n]] + position[positions[n]] + tokenType[types[n]]`
    /// (BertEmbeddings before its LayerNorm): a scatter-add of each row of `dout` into the three
    /// tables. Ids are trusted here: the forward already looked them up.
    @inlinable
    public static func embeddings<T: GradScalar>(
        dword: UnsafeMutablePointer<T>?,      // [V, C]
        dposition: UnsafeMutablePointer<T>?,  // [P, C]
        dtokenType: UnsafeMutablePointer<T>?, // [TV, C]
        dout: UnsafePointer<T>,               // [N, C]
        ids: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, types: UnsafePointer<Int32>,
        N: Int, C: Int
    ) {
        for n in 0..<N {
            let g = dout + n * C
            if let dword {
                let row = dword + Int(ids[n]) * C
                for c in 0..<C { row[c] += g[c] }
            }
            if let dposition {
                let row = dposition + Int(positions[n]) * C
                for c in 0..<C { row[c] += g[c] }
            }
            if let dtokenType {
                let row = dtokenType + Int(types[n]) * C
                for c in 0..<C { row[c] += g[c] }
            }
        }
    }
}
