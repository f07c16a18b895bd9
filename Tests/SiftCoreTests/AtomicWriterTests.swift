import Foundation
import Testing
@testable import SiftCore
import SiftTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Names in `dir` that look like a writer's temporary file.
func temporaries(in dir: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { TemporaryName.owner(of: $0) != nil }
}

@Suite struct AtomicWriterTests {
    @Test func oneShotWriteReplacesTheFileAndLeavesNoTemporary() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("sub/folder/a.txt")
        try AtomicWriter.write(Data("first".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "first")
        try AtomicWriter.write(Data("second, longer".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second, longer")
        #expect(temporaries(in: url.deletingLastPathComponent()).isEmpty)
    }

    @Test func streamingWritesAppearOnlyOnCommit() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("s.bin")
        let w = try AtomicWriter(url: url, bufferSize: 16, fault: nil)
        var expected = Data()
        for i in 0..<100 {
            let piece = Data((0..<(i % 7 + 1)).map { UInt8(($0 + i) & 0xff) })
            try w.write(piece); expected.append(piece)
        }
        let big = [UInt8](repeating: 0xab, count: 1000)   // larger than the buffer: written straight through
        try w.write(big); expected.append(contentsOf: big)
        try w.write("héllo"); expected.append(contentsOf: Array("héllo".utf8))
        #expect(!FileManager.default.fileExists(atPath: url.path))
        #expect(temporaries(in: dir) == [w.temporaryURL.lastPathComponent])
        try w.commit()
        #expect(try Data(contentsOf: url) == expected)
        #expect(temporaries(in: dir).isEmpty)
        #expect(throws: WriteError.self) { try w.write("after commit") }
    }

    @Test func aWriterNeverCommittedRemovesItsTemporaryAndKeepsTheOldFile() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("keep.txt")
        try AtomicWriter.write(Data("old".utf8), to: url)
        do {
            let w = try AtomicWriter(url: url)
            try w.write("new but abandoned")
            #expect(temporaries(in: dir).count == 1)
        }
        #expect(temporaries(in: dir).isEmpty)
        let d = try AtomicWriter(url: url)
        try d.write("discarded")
        d.discard()
        #expect(temporaries(in: dir).isEmpty)
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
    }

    /// A failure at each step before the rename: a typed error naming the file, the old file
    /// intact, no temporary left. ENOSPC at any step is `.diskFull`.
    @Test(arguments: [WriteStep.create, .write, .sync, .rename])
    func aFailedStepLeavesTheOldFileAndNoTemporary(_ step: WriteStep) throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("f.json")
        try AtomicWriter.write(Data("old".utf8), to: url)
        for code in [ENOSPC, EIO] {
            let fault = WriteFault(step: step, code: code)
            var caught: WriteError?
            do { try AtomicWriter.write(Data(repeating: 7, count: 5000), to: url, fault: fault) } catch { caught = error }
            let e = try #require(caught, "\(step) must fail")
            #expect(e.path == url.path)
            switch (code, step, e) {
            case (ENOSPC, _, .diskFull): break
            case (EIO, .create, .cannotCreate), (EIO, .write, .writeFailed), (EIO, .sync, .syncFailed), (EIO, .rename, .renameFailed): break
            default: Issue.record("\(step) with errno \(code) gave \(e)")
            }
            #expect(try String(contentsOf: url, encoding: .utf8) == "old")
            #expect(temporaries(in: dir).isEmpty)
        }
    }

    @Test func syncPutsTheBytesOnDiskWithoutPublishing() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("w.bin")
        let w = try AtomicWriter(url: url)
        try w.write([1, 2, 3])
        try w.sync()
        #expect(try Data(contentsOf: w.temporaryURL) == Data([1, 2, 3]))
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try w.commit()
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        // A failing sync removes the temporary file.
        let f = try AtomicWriter(url: url, fault: WriteFault(step: .sync, code: ENOSPC))
        try f.write([9])
        #expect(throws: WriteError.diskFull(path: url.path)) { try f.sync() }
        #expect(temporaries(in: dir).isEmpty)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
    }

    @Test func aFailedFolderSyncComesAfterTheNewFileIsInPlace() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("f.txt")
        #expect(throws: WriteError.syncFailed(path: dir.path, reason: String(cString: strerror(EIO)))) {
            try AtomicWriter.write(Data("new".utf8), to: url, fault: WriteFault(step: .syncDirectory, code: EIO))
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "new")
        #expect(temporaries(in: dir).isEmpty)
    }

    @Test func errorsSayWhatAndWhere() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let e = WriteError.system(.write, code: ENOSPC, path: "/x/model.safetensors")
        #expect(e == .diskFull(path: "/x/model.safetensors") && e.isDiskFull)
        #expect(e.localizedDescription == "/x/model.safetensors: cannot write: disk full (no space left on device)")
        #expect(WriteError.system(.write, code: EDQUOT, path: "/q").isDiskFull)
        // The destination's folder cannot be created: a file stands where it should be.
        let blocker = dir.appendingPathComponent("file")
        try AtomicWriter.write(Data("x".utf8), to: blocker)
        #expect {
            try AtomicWriter.write(Data("y".utf8), to: blocker.appendingPathComponent("inner.txt"))
        } throws: { e in
            guard case .cannotCreate(let path, _) = e as? WriteError else { return false }
            return path == blocker.path
        }
    }

    @Test func removeAndMoveAreDurableRenamesAndUnlinks() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try AtomicWriter.write(Data("1".utf8), to: a)
        try AtomicWriter.move(a, to: b)
        #expect(!FileManager.default.fileExists(atPath: a.path) && FileManager.default.fileExists(atPath: b.path))
        try AtomicWriter.remove(b)
        try AtomicWriter.remove(b)   // already gone: not an error
        #expect(!FileManager.default.fileExists(atPath: b.path))
        #expect(throws: WriteError.self) { try AtomicWriter.move(a, to: b) }
    }

    @Test func temporaryNamesCarryTheWriterProcess() {
        let n = TemporaryName.make(for: "model.safetensors")
        #expect(n.hasPrefix(".model.safetensors.tmp-\(getpid())-"))
        #expect(TemporaryName.owner(of: n) == getpid())
        #expect(TemporaryName.owner(of: ".step-12.tmp-345-9af0") == 345)
        for not in ["model.safetensors", ".hidden", ".a.tmp-", ".a.tmp-12", ".a.tmp-x-ff", ".a.tmp-12-zz", "a.tmp-12-ff"] {
            #expect(TemporaryName.owner(of: not) == nil, "\(not)")
        }
        #expect(TemporaryName.isAlive(getpid()))
    }

    @Test func staleTemporariesOfDeadProcessesAreRemovedLiveOnesKept() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        // A process that has exited (and been reaped): its pid is free.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run(); p.waitUntilExit()
        let dead = p.processIdentifier
        let fm = FileManager.default
        let staleFile = dir.appendingPathComponent(".model.safetensors.tmp-\(dead)-1a2b")
        let staleFolder = dir.appendingPathComponent(".step-3.tmp-\(dead)-ff")
        let live = dir.appendingPathComponent(".config.json.tmp-\(getpid())-abc")
        let plain = dir.appendingPathComponent("config.json")
        for f in [staleFile, live, plain] { try Data("x".utf8).write(to: f) }
        try fm.createDirectory(at: staleFolder, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: staleFolder.appendingPathComponent("state.json"))
        let removed = AtomicWriter.removeStaleTemporaries(in: dir)
        #expect(Set(removed.map(\.lastPathComponent)) == [staleFile.lastPathComponent, staleFolder.lastPathComponent])
        #expect(fm.fileExists(atPath: live.path) && fm.fileExists(atPath: plain.path))
    }

    /// A real full disk: a 64 KiB tmpfs (needs root and mount; skipped otherwise).
    @Test func aRealFullDiskIsDiskFullAndLeavesTheOldFile() throws {
        guard let fs = SmallDisk(kilobytes: 64) else { return }
        defer { fs.unmount() }
        let url = fs.root.appendingPathComponent("out.bin")
        try AtomicWriter.write(Data("old".utf8), to: url)
        #expect(throws: WriteError.diskFull(path: url.path)) {
            try AtomicWriter.write(Data(repeating: 1, count: 200 << 10), to: url)
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
        #expect(temporaries(in: fs.root).isEmpty)
    }
}
