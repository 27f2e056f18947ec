import Foundation

/// Cuts what a child writes into lines (without their "\n"), none longer than `limit`
/// bytes, so a child that writes without end cannot take the program's memory.
///
/// Past the limit a line either ends the splitting (`.fail`: ``exceeded`` is set and
/// nothing more is returned) or is cut at the limit and its rest dropped (`.truncate`).
struct LineSplitter {
    enum Overflow { case fail, truncate }

    let limit: Int
    let overflow: Overflow
    /// A line's start when it began in an earlier chunk.
    private var pending: [UInt8] = []
    /// Set once a line passed the limit with `.fail`.
    private(set) var exceeded = false

    init(limit: Int, overflow: Overflow) {
        self.limit = limit
        self.overflow = overflow
    }

    /// Appends the lines that `chunk` completes to `batch`.
    /// - Returns: false once a line passed the limit with `.fail` (the lines before it
    ///   are in `batch`).
    mutating func split(_ chunk: UnsafeBufferPointer<UInt8>, into batch: inout [[UInt8]]) -> Bool {
        guard !exceeded else { return false }
        guard let base = chunk.baseAddress else { return true }
        let n = chunk.count
        var start = 0
        while start < n, let nl = memchr(base + start, 0x0A, n - start) {
            let end = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            let part = UnsafeBufferPointer(start: base + start, count: end - start)
            if pending.isEmpty, part.count <= limit {
                batch.append(Array(part))
            } else {
                guard add(part) else { return false }
                batch.append(pending)
                pending = []
            }
            start = end + 1
        }
        return add(UnsafeBufferPointer(start: base + start, count: n - start))
    }

    /// The last line when the output ended without "\n", else nil.
    mutating func end() -> [UInt8]? {
        defer { pending = [] }
        return exceeded || pending.isEmpty ? nil : pending
    }

    private mutating func add(_ part: UnsafeBufferPointer<UInt8>) -> Bool {
        let room = limit - pending.count
        if part.count <= room {
            pending.append(contentsOf: part)
            return true
        }
        guard overflow == .truncate else {
            exceeded = true
            pending = []
            return false
        }
        if room > 0 { pending.append(contentsOf: UnsafeBufferPointer(rebasing: part.prefix(room))) }
        return true
    }
}
