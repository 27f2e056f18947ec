import Foundation
import Testing

@testable import PanoplyKit

/// Finding 6: the outbox acknowledged a message before its file was durable, so the spool
/// file was removed (and a state could be committed) while a power cut could still lose it.
/// Traced with strace on the real `panoply send`: every spool file is removed only after
/// its outbox file was fsynced, linked into place, and the outbox folder fsynced.
@Suite("Outbox durability", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "needs strace (scripts/test.sh installs it)"))
struct OutboxDurabilityTests {
    /// The order of the syscalls that matter, from an `strace -f -y` log: each call where
    /// it completed, except `unlink`, which counts from where it started.
    static func events(_ log: String) -> [(call: String, args: String)] {
        var partial: [Substring: (String, String)] = [:]
        var out: [(String, String)] = []
        for line in log.split(separator: "\n") {
            // strace pads the pid to five columns ("987   link(..."): a pid below 10000
            // is followed by more than one space.
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let (pid, rest) = (parts[0], String(parts[1].drop { $0 == " " }))
            if rest.hasPrefix("<... ") {
                if let p = partial.removeValue(forKey: pid), rest.hasSuffix("= 0") { out.append(p) }
                continue
            }
            guard let paren = rest.firstIndex(of: "(") else { continue }
            let call = String(rest[..<paren])
            if rest.contains("<unfinished ...>") {
                if call == "unlink" { out.append((call, rest)) } else { partial[pid] = (call, rest) }
            } else if rest.hasSuffix("= 0") {
                out.append((call, rest))
            }
        }
        return out
    }

    /// Runs `panoply send --outbox --spool` on 3,000 records under `strace -f`, in `dir`.
    /// - Returns: the trace of its fsync, link, linkat and unlink calls.
    static func traceSend(_ panoply: String, in dir: String) async throws -> String {
        let input = dir + "/in.ndjson"
        try (1...3000).map { #"{"id":\#($0),"pad":"\#(String(repeating: "p", count: 60))"}"# }.joined(separator: "\n")
            .write(toFile: input, atomically: false, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        p.arguments = [
            "-f", "-y", "-qq", "-e", "signal=none", "-e", "trace=fsync,link,linkat,unlink", "-o", dir + "/trace.txt",
            panoply, "send", "t", "--file", input, "--outbox", dir + "/out", "--spool", dir + "/spool",
            "--max-message-bytes", "8192", "--concurrency", "2"
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = ContinuousClock.now + .seconds(120)
        while p.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return try String(contentsOfFile: dir + "/trace.txt", encoding: .utf8)
    }

    @Test("panoply send --outbox --spool removes a spool file only after the outbox file and folder are fsynced")
    func spoolRemovedAfterOutboxSync() async throws {
        let panoply = try #require(PanoplyBinary.path, "the panoply binary was not found; set PANOPLY_BIN")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-durable-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = try await Self.traceSend(panoply, in: dir)

        let out = dir + "/out", spool = dir + "/spool"
        // Outbox files fsynced before they have their name: a temporary name (`out/.tmp-...`),
        // or none (O_TMPFILE, which strace shows as `out/#INODE (deleted)`), and by
        // descriptor ("fd:5"), for a link through /proc/self/fd/5.
        var synced: Set<String> = []
        var linked = 0, durable = 0, removed = 0
        for (call, args) in Self.events(trace) {
            switch call {
            case "fsync" where args.contains("<\(out)/.tmp-") || args.contains("<\(out)/#"):
                if let r = args.range(of: "<"), let e = args.range(of: ">") {
                    synced.insert(String(args[r.upperBound..<e.lowerBound]))
                    synced.insert("fd:" + args[..<r.lowerBound])
                }
            case "fsync" where args.contains("<\(out)>"):
                durable = linked  // the folder sync covers every file linked so far
            case "link" where args.contains("\"\(out)/"):
                let tmp = args.split(separator: "\"")[1]
                #expect(synced.contains(String(tmp)), "outbox file linked before it was fsynced: \(args)")
                linked += 1
            case "linkat" where args.contains("\"\(out)/"):
                // linkat(5</out/#123 (deleted)>, "", ...) or linkat(AT_FDCWD, "/proc/self/fd/5", ...)
                let file: String
                if let fd = args.range(of: "/proc/self/fd/") {
                    file = "fd:" + args[fd.upperBound...].prefix { $0.isNumber }
                } else if let r = args.range(of: "<"), let e = args.range(of: ">") {
                    file = String(args[r.upperBound..<e.lowerBound])
                } else {
                    file = args
                }
                #expect(synced.remove(file) != nil, "outbox file linked before it was fsynced: \(args)")
                linked += 1
            case "unlink" where args.contains("\"\(spool)/"):
                removed += 1
                #expect(removed <= durable, "spool file removed before its outbox file was durable: \(args)")
            default: break
            }
        }
        #expect(removed > 10, "the trace shows the spool files being removed")
        #expect(linked == removed)
    }
}

/// The trace reader alone (no strace needed).
@Suite("Outbox durability: the strace reader")
struct StraceReaderTests {
    @Test("the trace reader takes short pids, which strace pads with spaces, and calls split by another thread")
    func tracePadding() {
        let log = """
            987   fsync(5</o/.tmp-1>) = 0
            987   link("/o/.tmp-1", "/o/1.ndjson" <unfinished ...>
            12345 unlink("/s/1.msg" <unfinished ...>
            987   <... link resumed>) = 0
            12345 <... unlink resumed>) = 0
            987   unlink("/s/2.msg") = -1 ENOENT (No such file or directory)
            """
        #expect(OutboxDurabilityTests.events(log).map(\.call) == ["fsync", "unlink", "link"])
    }
}
