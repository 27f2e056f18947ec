import Foundation

/// Reads lines from a file descriptor in large chunks. Blocking reads happen on a
/// dispatch queue, never on the cooperative thread pool.
final class NDJSONReader: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private let chunk: Int
    private static let queue = DispatchQueue(label: "panoply.input")

    init(fd: Int32, chunk: Int = 1 << 20) {
        self.fd = fd
        self.chunk = chunk
    }

    /// Opens a file, or standard input for nil or "-".
    /// - Throws: a message naming the file when it cannot be opened.
    static func open(_ path: String?) throws -> NDJSONReader {
        guard let path, path != "-" else { return NDJSONReader(fd: 0) }
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw ValidationErrorMessage("cannot open '\(path)': \(String(cString: strerror(errno)))") }
        return NDJSONReader(fd: fd)
    }

    enum LineAction { case next, stop, waitAndRetry }

    /// Calls `body` with each line (without its newline) until EOF or until `body` says stop.
    /// A last line without a newline is passed too. `.waitAndRetry` awaits `wait` and
    /// passes the same line again (backpressure).
    func forEachLine(_ body: (ArraySlice<UInt8>) throws -> LineAction, wait: () async -> Void) async throws {
        while true {
            var end: Int
            var next: Int
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                end = nl
                next = nl + 1
            } else if eof {
                guard start < buffer.count else { return }
                end = buffer.count
                next = buffer.count
            } else {
                try await fill()
                continue
            }
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            switch try body(buffer[start..<end]) {
            case .next: start = next
            case .stop: return
            case .waitAndRetry: await wait()
            }
        }
    }

    private func fill() async throws {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let fd = self.fd
        let chunk = self.chunk
        let data: [UInt8] = try await withCheckedThrowingContinuation { c in
            Self.queue.async {
                var tmp = [UInt8](repeating: 0, count: chunk)
                let n = tmp.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunk) }
                if n < 0 {
                    c.resume(throwing: ValidationErrorMessage("cannot read input: \(String(cString: strerror(errno)))"))
                } else {
                    tmp.removeSubrange(n...)
                    c.resume(returning: tmp)
                }
            }
        }
        if data.isEmpty { eof = true } else { buffer.append(contentsOf: data) }
    }
}

struct ValidationErrorMessage: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
