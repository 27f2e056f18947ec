import Foundation
import PanoplyKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process spoken to in lines: its stdout lines are read on demand (bounded, so a
/// fast child waits for the reader), its stderr lines go to `onStderr` and a short tail
/// kept for error messages.
///
/// The child starts in a process group of its own (``SpawnedProcess``), and every signal
/// goes to that group: ending a tap that is a shell wrapper, or a module that started
/// helpers, ends them too, so none is left holding the pipes. Ending it sends SIGTERM,
/// then SIGKILL after a grace period. Once the child itself has ended, what it left
/// running in its group is ended the same way after a grace period.
///
/// No line may pass ``maxLineBytes``: a child that writes more without "\n" is stopped,
/// and ``lineLimitError`` says why (a stderr line is cut at ``maxStderrLineBytes``).
///
/// `@unchecked Sendable`: ``SpawnedProcess`` is thread-safe; the rest of the state is
/// behind mutexes or in ``LineQueue``.
final class LineProcess: @unchecked Sendable {
    let name: String
    private let child: SpawnedProcess
    private let stdin: FileHandle
    private let lines: LineQueue
    private let tail = Mutex<[String]>([])
    /// Set once stdout (`.0`) and stderr (`.1`) are read to their end.
    private let readDone = Mutex((false, false))
    private let tooLong = Mutex<PanoplyError?>(nil)
    /// What the error for a line over the limit tells the user to do.
    private let tooLongAdvice: String
    private let grace: Duration
    private static let tailLines = 20
    /// The longest stdout line taken (64 MiB).
    static let maxLineBytes = 64 << 20
    /// A longer stderr line is cut: it is a log line.
    static let maxStderrLineBytes = 1 << 20

    /// Starts `executable` with `arguments`.
    /// - Throws: ``PanoplyError`` (config) when it cannot be started.
    /// - Parameters:
    ///   - environment: the child's environment (nil: this program's).
    ///   - coalesce: for a child that writes many short lines (a Singer tap flushes each
    ///     message): after a short read, wait 0.2 ms for more before reading again, so
    ///     lines are read and handed over many at a time, not one syscall and wake-up each.
    ///   - maxLineBytes: the longest stdout line taken; a longer one stops the child.
    ///   - tooLongAdvice: what the error for a longer line tells the user to do.
    init(
        name: String, executable: String, arguments: [String], environment: [String: String]? = nil,
        maxQueuedLines: Int = 64, coalesce: Bool = false, maxLineBytes: Int = LineProcess.maxLineBytes,
        tooLongAdvice: String = "a message that large cannot be sent: have it write smaller records",
        onStderr: @escaping @Sendable (String) -> Void
    ) throws {
        self.name = name
        self.tooLongAdvice = tooLongAdvice
        Self.ignoreBrokenPipes()
        let env = (environment ?? ProcessInfo.processInfo.environment).withoutWorkspaceSecrets
        grace = PythonInterpreter.grace(env)
        let (inRead, inWrite) = try Self.makePipe(name)
        let (outRead, outWrite): (Int32, Int32)
        do { (outRead, outWrite) = try Self.makePipe(name) } catch {
            for fd in [inRead, inWrite] { close(fd) }
            throw error
        }
        let (errRead, errWrite): (Int32, Int32)
        do { (errRead, errWrite) = try Self.makePipe(name) } catch {
            for fd in [inRead, inWrite, outRead, outWrite] { close(fd) }
            throw error
        }
        defer { for fd in [inRead, outWrite, errWrite] { close(fd) } }
        do {
            child = try SpawnedProcess(executable, arguments, environment: env, stdin: inRead, stdout: outWrite, stderr: errWrite)
        } catch {
            for fd in [inWrite, outRead, errRead] { close(fd) }
            throw PanoplyError(.config, "cannot start \(name) (\(executable)): \(error.asPanoplyError.message)")
        }
        stdin = FileHandle(fileDescriptor: inWrite, closeOnDealloc: true)
        lines = LineQueue(limit: maxQueuedLines)
        startReaders(stdout: outRead, stderr: errRead, coalesce: coalesce, maxLineBytes: maxLineBytes, onStderr: onStderr)
        watchExit()
    }

    /// A pipe whose descriptors other children do not inherit.
    private static func makePipe(_ name: String) throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else {
            throw PanoplyError(.config, "cannot start \(name): no pipe (\(String(cString: strerror(errno))))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    private func startReaders(
        stdout: Int32, stderr: Int32, coalesce: Bool, maxLineBytes: Int,
        onStderr: @escaping @Sendable (String) -> Void
    ) {
        let queue = lines
        Self.readLines(stdout, name: "\(name) stdout", LineSplitter(limit: maxLineBytes, overflow: .fail), coalesce: coalesce) {
            queue.push(contentsOf: $0)
        } tooLong: { [self] in
            lineTooLong(maxLineBytes)
            queue.finish()
        } done: { [self] in
            queue.finish()
            readDone.withLock { $0.0 = true }
        }
        let stderrLines = LineSplitter(limit: Self.maxStderrLineBytes, overflow: .truncate)
        Self.readLines(stderr, name: "\(name) stderr", stderrLines, coalesce: false) { [self] batch in
            for bytes in batch {
                let line = String(decoding: bytes, as: UTF8.self)
                tail.withLock { t in
                    t.append(line)
                    if t.count > Self.tailLines { t.removeFirst(t.count - Self.tailLines) }
                }
                onStderr(line)
            }
        } tooLong: {
        } done: { [self] in
            readDone.withLock { $0.1 = true }
        }
    }

    /// Stdout passed the limit: the lines before it are still read, the child is stopped.
    private func lineTooLong(_ limit: Int) {
        tooLong.withLock {
            $0 = PanoplyError(
                .internal,
                "\(name) wrote a line longer than \(limit >> 20) MiB (the limit for one line), so it was stopped; "
                    + tooLongAdvice, retryable: false)
        }
        terminate(grace: grace, keepLines: true)
    }

    /// Why the child was stopped when it wrote a line longer than the limit, else nil.
    var lineLimitError: PanoplyError? { tooLong.withLock { $0 } }

    /// A child that ends while we write to it must give an error (EPIPE), not SIGPIPE.
    static func ignoreBrokenPipes() { _ = ignoringSIGPIPE }
    private static let ignoringSIGPIPE: Bool = {
        signal(SIGPIPE, SIG_IGN); return true
    }()

    var pid: Int32 { child.pid }
    var isRunning: Bool { child.isRunning }

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
    /// Not cut short by the task's cancellation (a cancelled run waits for its child too).
    func wait() async -> Int32 {
        while child.isRunning { await Self.pause() }
        // A grandchild may hold stderr open: wait for its end only briefly.
        let deadline = ContinuousClock.now + .seconds(2)
        while !readDone.withLock({ $0.1 }), ContinuousClock.now < deadline { await Self.pause() }
        let (code, signal) = Self.decode(child.wait())
        return signal.map { 128 + $0 } ?? code
    }

    /// The last stderr lines, joined for a message.
    var stderrTail: String { tail.withLock { $0.suffix(8).joined(separator: "\n") } }

    /// How the child ended, e.g. "exited with code 3; stderr: ...".
    func exitDescription() -> String {
        guard !child.isRunning else { return "still running" }
        let (code, signal) = Self.decode(child.wait())
        var how = signal.map { "was killed by signal \($0)" } ?? "exited with code \(code)"
        if let e = lineLimitError { how = "\(e.message) (it \(how))" }
        let t = stderrTail
        return t.isEmpty ? how : "\(how); stderr: \(t)"
    }

    /// 5 ms, even in a cancelled task (where `Task.sleep` returns at once and a wait loop
    /// would spin).
    private static func pause() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5)) { c.resume() }
        }
    }

    /// A wait status as (exit code, signal when killed by one).
    static func decode(_ status: Int32) -> (Int32, Int32?) {
        status & 0x7F == 0 ? ((status >> 8) & 0xFF, nil) : (0, status & 0x7F)
    }

    /// Asks the child and its process group to stop (SIGTERM), and kills them (SIGKILL)
    /// if they have not ended after `grace`.
    func terminate(grace: Duration) { terminate(grace: grace, keepLines: false) }

    private func terminate(grace: Duration, keepLines: Bool) {
        if !keepLines { lines.discard() }
        guard child.signalGroup(SIGTERM) else { return }
        let child = child
        Thread.detachNewThread {
            // Until every process of the group has ended (and the child was reaped), or the
            // grace period is over.
            // SIGKILL only while the group is still there: once it is gone (and the child
            // reaped) its id may belong to another process group.
            let deadline = ContinuousClock.now + grace
            while child.signalGroup(0) {
                if ContinuousClock.now >= deadline {
                    child.signalGroup(SIGKILL)
                    return
                }
                usleep(10_000)
            }
        }
    }

    /// Once the child has ended, what it left running in its group (holding the pipes
    /// open) is ended too, unless both pipes close within the grace period.
    private func watchExit() {
        let child = child, grace = grace
        Thread.detachNewThread { [weak self] in
            child.waitForExit()
            let deadline = ContinuousClock.now + grace
            while let s = self, s.readDone.withLock({ !($0.0 && $0.1) }), ContinuousClock.now < deadline { usleep(10_000) }
            guard let s = self, s.readDone.withLock({ !($0.0 && $0.1) }) else { return }
            s.terminate(grace: grace, keepLines: true)
        }
    }

    /// Reads `fd` on a thread of its own, calling `lines` with the lines (without "\n")
    /// of each read; `tooLong` once a line passes the splitter's limit (later output is
    /// read and dropped), `done` at the end.
    private static func readLines(
        _ fd: Int32, name: String, _ splitter: LineSplitter, coalesce: Bool,
        lines: @escaping @Sendable ([[UInt8]]) -> Void, tooLong: @escaping @Sendable () -> Void,
        done: @escaping @Sendable () -> Void
    ) {
        let t = Thread {
            var splitter = splitter
            var taking = true
            let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
            defer { buf.deallocate() }
            while true {
                let n = read(fd, buf, 1 << 16)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                guard taking else { continue }
                var batch: [[UInt8]] = []
                taking = splitter.split(UnsafeBufferPointer(start: buf, count: n), into: &batch)
                if !batch.isEmpty { lines(batch) }
                if !taking { tooLong() }
                if coalesce, n < 1 << 14 { usleep(200) }
            }
            if let last = splitter.end() { lines([last]) }
            close(fd)
            done()
        }
        t.name = name
        t.start()
    }
}

extension Dictionary where Key == String, Value == String {
    /// Variables a source's process (Python, Singer, ssh) is never given: the workspace key,
    /// and its URL (which may hold the workspace's password).
    static var workspaceSecrets: Set<String> { ["PANOPLY_WORKSPACE_KEY", "PANOPLY_WORKSPACE"] }

    /// This environment without ``workspaceSecrets``.
    var withoutWorkspaceSecrets: Self { filter { !Self.workspaceSecrets.contains($0.key) } }
}
