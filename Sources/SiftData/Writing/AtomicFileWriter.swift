import SiftCore

/// SiftData's earlier name for SiftCore's `AtomicWriter` (one atomic writer for all of Sift:
/// temporary file, fsync, rename, fsync of the folder, typed `WriteError`). Kept so existing call
/// sites compile; new code uses `AtomicWriter`.
public typealias AtomicFileWriter = AtomicWriter
