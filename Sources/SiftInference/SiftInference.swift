// SiftInference: the one inference pipeline (see ARCHITECTURE.md): text -> encodings (tokenized
// once) -> queue -> packed batches -> engine -> heads -> results, with per-phase timings.
