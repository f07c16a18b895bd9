#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A closed-loop HTTP/1.1 load generator for `sift bench serve`: each client is a thread with
/// one keep-alive connection that sends a request, waits for the answer, and sends the next.
/// Plain blocking sockets keep the client's own overhead small and easy to reason about.
public enum LoadGenerator {
    public struct Result: Sendable {
        public var clients: Int
        public var requests: Int
        public var errors: Int
        public var seconds: Double
        public var latencies: [Double]  // seconds, sorted

        public var throughput: Double { Double(requests) / seconds }
        public func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let i = min(latencies.count - 1, Int((p * Double(latencies.count - 1)).rounded()))
            return latencies[i]
        }
    }

    /// Sends `POST path` with the bodies in turn from `clients` connections for `seconds`.
    /// A response other than 200 counts as an error.
    public static func run(port: Int, path: String, bodies: [String], headers: [String: String] = [:],
                           clients: Int, seconds: Double) -> Result {
        let collected = Collected()
        let deadline = Date().addingTimeInterval(seconds)
        let start = Date()
        let group = DispatchGroup()
        for c in 0..<clients {
            group.enter()
            let thread = Thread {
                var mine: [Double] = []
                var myErrors = 0
                var conn: Connection? = nil
                var i = c
                while Date() < deadline {
                    if conn == nil { conn = Connection(port: port) }
                    guard let open = conn else { myErrors += 1; usleep(10_000); continue }
                    let body = bodies[i % bodies.count]
                    i += clients
                    let t0 = Date()
                    if let status = open.post(path: path, body: body, headers: headers) {
                        if status == 200 { mine.append(Date().timeIntervalSince(t0)) } else { myErrors += 1 }
                    } else {
                        myErrors += 1
                        conn = nil
                    }
                }
                conn?.close()
                collected.add(mine, myErrors)
                group.leave()
            }
            thread.start()
        }
        group.wait()
        let elapsed = Date().timeIntervalSince(start)
        let (latencies, errors) = collected.value
        return Result(clients: clients, requests: latencies.count, errors: errors, seconds: elapsed, latencies: latencies.sorted())
    }

    /// What the client threads hand back, behind a lock.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var latencies: [Double] = []
        private var errors = 0
        func add(_ l: [Double], _ e: Int) { lock.withLock { latencies += l; errors += e } }
        var value: ([Double], Int) { lock.withLock { (latencies, errors) } }
    }

    /// One keep-alive connection to 127.0.0.1.
    final class Connection {
        let fd: Int32
        var buffer: [UInt8] = []

        init?(port: Int) {
            #if canImport(Glibc)
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            let s = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            guard s >= 0 else { return nil }
            var one: Int32 = 1
            setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard ok == 0 else { closeFD(s); return nil }
            fd = s
        }

        func close() { closeFD(fd) }

        /// The response status, or nil when the connection broke.
        func post(path: String, body: String, headers: [String: String]) -> Int? {
            let bodyBytes = Array(body.utf8)
            var head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(bodyBytes.count)\r\n"
            for (k, v) in headers { head += "\(k): \(v)\r\n" }
            head += "\r\n"
            guard writeAll(Array(head.utf8) + bodyBytes) else { return nil }
            // Read the head, then exactly Content-Length bytes of body.
            var headerEnd: Int? = nil
            while headerEnd == nil {
                if let r = find(Array("\r\n\r\n".utf8)) { headerEnd = r } else if !fill() { return nil }
            }
            guard let end = headerEnd else { return nil }
            let headText = String(decoding: buffer[0..<end], as: UTF8.self)
            let lines = headText.split(separator: "\r\n")
            guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2,
                  let status = Int(statusLine.split(separator: " ")[1]) else { return nil }
            var length = 0
            for l in lines.dropFirst() {
                let parts = l.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == "content-length" {
                    length = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            let total = end + 4 + length
            while buffer.count < total { if !fill() { return nil } }
            buffer.removeFirst(total)
            return status
        }

        private func find(_ needle: [UInt8]) -> Int? {
            guard buffer.count >= needle.count else { return nil }
            for i in 0...(buffer.count - needle.count) where buffer[i] == needle[0] {
                if Array(buffer[i..<(i + needle.count)]) == needle { return i }
            }
            return nil
        }

        private func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }

        private func writeAll(_ bytes: [UInt8]) -> Bool {
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return false }
                off += n
            }
            return true
        }
    }

    #if canImport(Glibc)
    static let RUSAGE_SELF_VALUE = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
    static let RUSAGE_SELF_VALUE = RUSAGE_SELF
    #endif

    /// Peak resident memory of this process so far, in MiB.
    public static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF_VALUE, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Current resident memory, in MiB (from /proc on Linux).
    public static func currentRSSMiB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = s.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return .nan }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}

private func closeFD(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
