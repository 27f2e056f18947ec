import Foundation
import Synchronization
import PanoplyKit

/// A child process spoken to in lines: its stdout lines are read on demand (bounded, so a
/// fast child waits for the reader), its stderr lines go to `onStderr` and a short tail
/// kept for error messages. Ending it sends SIGTERM, then SIGKILL after a grace period.
///
/// `@unchecked Sendable`: `Process` is used only through its thread-safe accessors
/// (`isRunning`, `processIdentifier`, termination status) once started; the rest of the
/// state is behind mutexes or in ``LineQueue``.
final class LineProcess: @unchecked Sendable {
    let name: String
    private let process: Process
    private let stdin: FileHandle
    private let lines: LineQueue
    private let tail = Mutex<[String]>([])
    private let exited = Mutex<Int32?>(nil)
    /// Set once stderr is read to its end (so an exit message holds its last lines).
    private let stderrDone = Mutex(false)
    private static let tailLines = 20

    /// Starts `executable` with `arguments`.
    /// - Throws: ``PanoplyError`` (config) when it cannot be started.
    /// - Parameter coalesce: for a child that writes many short lines (a Singer tap flushes
    ///   each message): after a short read, wait 0.2 ms for more before reading again, so
    ///   lines are read and handed over many at a time, not one syscall and wake-up each.
    init(name: String, executable: String, arguments: [String], environment: [String: String]? = nil,
         maxQueuedLines: Int = 64, coalesce: Bool = false, onStderr: @escaping @Sendable (String) -> Void) throws {
        self.name = name
        Self.ignoreBrokenPipes()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = errPipe
        process = p
        stdin = inPipe.fileHandleForWriting
        lines = LineQueue(limit: maxQueuedLines)
        do { try p.run() } catch {
            throw PanoplyError(.config, "cannot start \(name) (\(executable)): \(error.localizedDescription)")
        }
        try? inPipe.fileHandleForReading.close()
        try? outPipe.fileHandleForWriting.close()
        try? errPipe.fileHandleForWriting.close()
        let queue = lines
        Self.readLines(outPipe.fileHandleForReading, name: "\(name) stdout", coalesce: coalesce) { queue.push(contentsOf: $0) } done: { queue.finish() }
        Self.readLines(errPipe.fileHandleForReading, name: "\(name) stderr", coalesce: false) { [self] batch in
            for bytes in batch {
                let line = String(decoding: bytes, as: UTF8.self)
                tail.withLock { t in
                    t.append(line)
                    if t.count > Self.tailLines { t.removeFirst(t.count - Self.tailLines) }
                }
                onStderr(line)
            }
        } done: { [self] in stderrDone.withLock { $0 = true } }
    }

    /// A child that ends while we write to it must give an error (EPIPE), not SIGPIPE.
    static func ignoreBrokenPipes() { _ = ignoringSIGPIPE }
    private static let ignoringSIGPIPE: Bool = { signal(SIGPIPE, SIG_IGN); return true }()

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// The next stdout line, nil once stdout closed (the child ended or closed it).
    func nextLine() async -> [UInt8]? { await lines.pop() }

    /// The next stdout line if one was read already, without waiting.
    func readyLine() -> [UInt8]? { lines.popReady() }

    /// Writes one line to the child's stdin.
    /// - Throws: ``PanoplyError`` when the child no longer reads (it ended).
    func send(_ line: [UInt8]) throws {
        do { try stdin.write(contentsOf: line + [0x0A]) } catch {
            throw PanoplyError(.internal, "\(name) stopped reading its input: \(exitDescription())")
        }
    }

    func closeInput() { try? stdin.close() }

    /// Drops stdout lines not read yet, and later ones (the reader thread reads on to EOF).
    func stopReading() { lines.discard() }

    /// Waits for the child to end and returns its exit status (or 128+signal).
    func wait() async -> Int32 {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
        // A grandchild may hold stderr open: wait for its end only briefly.
        let deadline = ContinuousClock.now + .seconds(2)
        while !stderrDone.withLock({ $0 }), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        exited.withLock { $0 = status }
        return status
    }

    /// The last stderr lines, joined for a message.
    var stderrTail: String { tail.withLock { $0.suffix(8).joined(separator: "\n") } }

    /// How the child ended, e.g. "exited with code 3; stderr: ...".
    func exitDescription() -> String {
        guard !process.isRunning else { return "still running" }
        let how = process.terminationReason == .uncaughtSignal
            ? "was killed by signal \(process.terminationStatus)" : "exited with code \(process.terminationStatus)"
        let t = stderrTail
        return t.isEmpty ? how : "\(how); stderr: \(t)"
    }

    /// Asks the child to stop (SIGTERM), and kills it (SIGKILL) if it has not ended after `grace`.
    func terminate(grace: Duration) {
        lines.discard()
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        Thread.detachNewThread { [self] in
            let deadline = ContinuousClock.now + grace
            while isRunning && ContinuousClock.now < deadline { usleep(10_000) }
            if isRunning { kill(pid, SIGKILL) }
        }
    }

    /// Reads `handle` on a thread of its own, calling `lines` with the lines (without "\n")
    /// of each read.
    private static func readLines(_ handle: FileHandle, name: String, coalesce: Bool, lines: @escaping @Sendable ([[UInt8]]) -> Void,
                                  done: @escaping @Sendable () -> Void) {
        let fd = handle.fileDescriptor
        let t = Thread {
            // A line's start when it began in an earlier read.
            var pending: [UInt8] = []
            let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
            defer { buf.deallocate() }
            while true {
                let n = read(fd, buf, 1 << 16)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                var start = 0
                var batch: [[UInt8]] = []
                while start < n, let nl = memchr(buf + start, 0x0A, n - start) {
                    let end = buf.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                    let part = UnsafeBufferPointer(start: buf + start, count: end - start)
                    if pending.isEmpty {
                        batch.append(Array(part))
                    } else {
                        pending.append(contentsOf: part)
                        batch.append(pending)
                        pending = []
                    }
                    start = end + 1
                }
                pending.append(contentsOf: UnsafeBufferPointer(start: buf + start, count: n - start))
                if !batch.isEmpty { lines(batch) }
                if coalesce, n < 1 << 14 { usleep(200) }
            }
            if !pending.isEmpty { lines([pending]) }
            close(fd)
            done()
        }
        t.name = name
        t.start()
    }
}
