import Foundation
import Synchronization

// Shared by the test targets that run the built `panoply` binary.

/// Runs the built `panoply` binary (PANOPLY_BIN, or the one beside the test bundle).
package enum CLI {
    package static var binary: String {
        if let p = ProcessInfo.processInfo.environment["PANOPLY_BIN"], !p.isEmpty { return p }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("panoply").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/debug/panoply"
    }

    /// Runs `panoply ARGS` to completion (with a deadline).
    package static func run(
        _ args: [String], in directory: URL? = nil, stdin: Data = Data(), environment: [String: String] = [:],
        timeout: Duration = .seconds(180)
    ) throws -> Child.Exit {
        let child = try Child.start(CLI.binary, args, in: directory, environment: environment)
        child.write(stdin)
        child.closeInput()
        return try child.waitForExit(within: timeout)
    }
}

/// A child process whose output is collected as it comes, so tests can wait for a line,
/// send signals, and wait for the exit with a deadline.
package final class Child: Sendable {
    package struct Exit: Sendable {
        package var status: Int32
        /// True when the process ended by a signal (status is the signal number then).
        package var signalled: Bool
        package var stdout: String
        package var stderr: String
        package var seconds: Double
    }

    package let process: Process
    private let input: FileHandle
    private let out = Mutex(Data())
    private let err = Mutex(Data())
    private let readers = DispatchGroup()
    package let started = ContinuousClock.now
    package let description: String

    private init(process: Process, input: FileHandle, description: String) {
        self.process = process
        self.input = input
        self.description = description
    }

    /// Starts `path ARGS` (in `directory`, if given) with the test's environment plus `environment` (a value of ""
    /// removes a variable). Credentials from the test's environment are never inherited.
    package static func start(
        _ path: String, _ args: [String], in directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws -> Child {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for k in ["PANOPLY_API_KEY", "PANOPLY_API_SECRET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
            env[k] = nil
        }
        for (k, v) in environment { env[k] = v.isEmpty ? nil : v }
        p.environment = env
        let o = Pipe(), e = Pipe(), i = Pipe()
        p.standardOutput = o
        p.standardError = e
        p.standardInput = i
        try p.run()
        let child = Child(
            process: p, input: i.fileHandleForWriting, description: ([URL(fileURLWithPath: path).lastPathComponent] + args).joined(separator: " "))
        child.collect(o.fileHandleForReading) { d in child.out.withLock { $0.append(d) } }
        child.collect(e.fileHandleForReading) { d in child.err.withLock { $0.append(d) } }
        return child
    }

    private func collect(_ handle: FileHandle, _ append: @escaping @Sendable (Data) -> Void) {
        readers.enter()
        let group = readers
        Thread.detachNewThread {
            while true {
                let d = handle.availableData
                if d.isEmpty { break }
                append(d)
            }
            group.leave()
        }
    }

    package var stdout: String { out.withLock { String(decoding: $0, as: UTF8.self) } }
    package var stderr: String { err.withLock { String(decoding: $0, as: UTF8.self) } }
    package var pid: Int32 { process.processIdentifier }
    package var isRunning: Bool { process.isRunning }

    package func write(_ data: Data) {
        guard !data.isEmpty else { return }
        try? input.write(contentsOf: data)
    }

    package func closeInput() { try? input.close() }

    package func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to end; kills it and throws when it takes longer than `limit`.
    package func waitForExit(within limit: Duration) throws -> Exit {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw TestFailure("\(description) did not exit within \(limit)\(reapNote()); stderr:\n\(stderr.suffix(2000))")
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        _ = readers.wait(timeout: .now() + 10)
        let elapsed = ContinuousClock.now - started
        return Exit(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            stdout: stdout, stderr: stderr, seconds: elapsed.seconds)
    }

    /// Waits briefly for Foundation to report the killed child's exit (no waitUntilExit: it
    /// never returns when the report is stuck), and says so when it is.
    private func reapNote() -> String {
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        guard process.isRunning else { return "" }
        return " (and its exit was never reported: Foundation's Process stops reporting exits while a child that closed its"
            + " inherited descriptors, such as ssh or sshd, runs under Process; spawn those with SpawnedProcess)"
    }

    /// Ensures the process is gone (for cleanup after a failed expectation).
    package func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
}

package struct TestFailure: Error, CustomStringConvertible {
    package var description: String
    package init(_ d: String) { description = d }
}

extension Duration {
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Polls `condition` until it holds or `limit` passes (then throws with `what`).
package func waitUntil(
    _ what: String, within limit: Duration = .seconds(60), every: Duration = .milliseconds(20),
    _ condition: () throws -> Bool
) throws {
    let deadline = ContinuousClock.now + limit
    while try !condition() {
        if ContinuousClock.now > deadline { throw TestFailure("timed out after \(limit) waiting for \(what)") }
        usleep(UInt32(every.seconds * 1_000_000))
    }
}

/// Async flavour of ``waitUntil(_:within:every:_:)``.
package func waitUntil(
    _ what: String, within limit: Duration = .seconds(60), every: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        if ContinuousClock.now > deadline { throw TestFailure("timed out after \(limit) waiting for \(what)") }
        try await Task.sleep(for: every)
    }
}

/// A fresh temporary folder.
package func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
