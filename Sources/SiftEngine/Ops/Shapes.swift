// Shape letters used in every op comment in this folder (llm.c style):
//   B  batch (sequences)        T  time (tokens of one sequence)   C  channels (hidden_size)
//   NH heads                    HS head size (C / NH)              V  vocab
//   I  intermediate size        L  labels                           N  packed tokens (sum of T over the batch)
// Sequences are packed: token rows of all sequences follow each other in one [N, C] matrix, and
// `offsets` [B+1] says where each sequence starts (sequence b is rows offsets[b]..<offsets[b+1]).
// Dense layers therefore run on real tokens only; attention runs per sequence and per head.
// All matrices are row-major; "inp [N,C]" means N rows of C contiguous floats.

/// A namespace for the forward (and, in `<Op>+Backward.swift` files, backward) kernels.
public enum Ops {}
