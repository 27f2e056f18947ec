import Foundation
import PanoplyKit
import Testing

@Suite("Bad input", .serialized)
struct BadInputTests {
    static let goodSecret = Data("r4nd2/3f0c1b1e-1111-2222-3333-444455556666/123456789012/us-east-1".utf8).base64EncodedString()

    @Test(
        "malformed API keys and secrets exit 2 and say what is wrong",
        arguments: [
            (["--api-key", "acct-without-slash", "--api-secret", goodSecret], "apiKey must look like ACCOUNT/RAND with exactly one '/' (it has 0)"),
            (["--api-key", "a/b/c", "--api-secret", goodSecret], "exactly one '/' (it has 2)"),
            (["--api-key", "/rand", "--api-secret", goodSecret], "apiKey has an empty ACCOUNT part"),
            (["--api-key", "acct/", "--api-secret", goodSecret], "apiKey has an empty part after '/'"),
            (["--api-key", "acct/rand", "--api-secret", "not*base64!"], "apiSecret is not valid base64"),
            (["--api-key", "acct/rand", "--api-secret", String(goodSecret.dropLast(2))], "apiSecret is not valid base64"),
            (["--api-key", "acct/rand", "--api-secret", Data("a/b/c".utf8).base64EncodedString()], "decodes to 3 '/'-separated parts; expected 4"),
            (["--api-key", "acct/rand", "--api-secret", Data("a//c/d".utf8).base64EncodedString()], "apiSecret has an empty UUID part"),
            (["--api-key", "acct/rand", "--api-secret", Data([0xFF, 0xFE, 0x2F]).base64EncodedString()], "does not decode to UTF-8"),
            (["--api-key", "acct/rand"], "an API key was given without an API secret"),
            (["--api-secret", goodSecret], "an API secret was given without an API key"),
            (
                ["--api-key", "acct/rand", "--api-secret", goodSecret, "--aws-access-key-id", "AKIA"],
                "give both --aws-access-key-id and --aws-secret-access-key"
            ),
            (["--queue-url", "ftp://example/q"], "is not an http(s) URL"),
            (["--outbox", "/tmp/x", "--max-message-bytes", "5000000"], "max message bytes must be between 1024 and 1048576"),
            (["--outbox", "/tmp/x", "--concurrency", "0"], "concurrency must be between 1 and 256")
        ] as [([String], String)])
    func malformedCredentials(args: [String], message: String) throws {
        let r = try CLI.run(["send", "t"] + args, stdin: Data("{\"id\":1}\n".utf8))
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count <= 3, "one clear message, not a dump: \(r.stderr)")
    }

    /// Runs `send t` with `input` to a fresh outbox; returns the result and the ids there.
    static func send(_ input: [UInt8], _ extra: [String] = []) throws -> (Child.Exit, [Int]) {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let r = try CLI.run(["send", "t", "--outbox", out.path] + extra, stdin: Data(input))
        return (r, try outboxIds(out))
    }

    static let invalidLines: [(name: String, line: [UInt8], message: String)] = [
        ("invalid UTF-8", Array("{\"id\":2,\"name\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8), "UTF-8"),
        ("a non-object line", Array("[2,3]".utf8), "expected a JSON object, got an array"),
        ("a bare string", Array("\"hello\"".utf8), "expected a JSON object, got a string"),
        ("NaN", Array("{\"id\":2,\"x\":NaN}".utf8), "not valid JSON"),
        ("Infinity", Array("{\"id\":2,\"x\":Infinity}".utf8), "not valid JSON"),
        ("-Infinity", Array("{\"id\":2,\"x\":-Infinity}".utf8), "not valid JSON"),
        (
            "deeply nested", Array(("{\"id\":2,\"x\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8),
            "nesting deeper than"
        ),
        ("a record over the message limit", Array("{\"id\":2,\"x\":\"\(String(repeating: "y", count: 300_000))\"}".utf8), "more than fits in one message"),
        ("trailing garbage", Array("{\"id\":2} {\"id\":3}".utf8), "not valid JSON")
    ]

    @Test(
        "a bad line stops send with exit 2 naming the line; records before it are delivered",
        arguments: invalidLines.map(\.name))
    func badLineFails(name: String) throws {
        let bad = Self.invalidLines.first { $0.name == name }!
        let input = Array("{\"id\":1}\n".utf8) + bad.line + Array("\n{\"id\":3}\n".utf8)
        let (r, ids) = try Self.send(input)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("line 2: "), "\(r.stderr)")
        #expect(r.stderr.contains(bad.message), "\(r.stderr)")
        #expect(r.stderr.contains("--on-invalid skip"), "says how to go on: \(r.stderr)")
        #expect(r.stderr.count < 1_000, "the bad line is not echoed whole: \(r.stderr.count) bytes")
        #expect(ids == [1])
    }

    @Test("--on-invalid skip warns about each bad line and delivers every good one", arguments: invalidLines.map(\.name))
    func badLineSkipped(name: String) throws {
        let bad = Self.invalidLines.first { $0.name == name }!
        let input = Array("{\"id\":1}\n".utf8) + bad.line + Array("\n{\"id\":3}\n".utf8)
        let (r, ids) = try Self.send(input, ["--on-invalid", "skip"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("skipped line 2: "), "\(r.stderr)")
        #expect(r.stderr.contains("1 invalid lines skipped"), "\(r.stderr)")
        #expect(ids == [1, 3])
    }

    @Test("a truncated last line (no newline, cut JSON) fails with its line number, or is skipped")
    func truncatedLastLine() throws {
        let input = Array("{\"id\":1}\n{\"id\":2}\n{\"id\":3,\"na".utf8)
        let (r, ids) = try Self.send(input)
        #expect(r.status == 2)
        #expect(r.stderr.contains("line 3: not valid JSON"), "\(r.stderr)")
        #expect(ids == [1, 2])
        let (s, sids) = try Self.send(input, ["--on-invalid", "skip"])
        #expect(s.status == 0)
        #expect(s.stderr.contains("skipped line 3"), "\(s.stderr)")
        #expect(sids == [1, 2])
    }

    @Test("a complete last line without a newline is a record")
    func lastLineWithoutNewline() throws {
        let (r, ids) = try Self.send(Array("{\"id\":1}\n{\"id\":2}".utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(ids == [1, 2])
    }

    @Test("an unknown --on-invalid value exits 2")
    func unknownOnInvalid() throws {
        let (r, _) = try Self.send(Array("{\"id\":1}\n".utf8), ["--on-invalid", "ignore"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("on-invalid"), "\(r.stderr)")
    }

    @Test(
        "unknown or invalid --param values exit 2 and name the param",
        arguments: [
            (["--param", "nosuch=1"], "unknown param 'nosuch'"),
            (["--param", "rows=12x"], "--param rows"),
            (["--param", "=5"], "--param takes NAME=VALUE"),
            (["--param", "fail_mode=never"], "--param fail_mode")
        ] as [([String], String)])
    func badParams(args: [String], message: String) throws {
        let out = try temporaryDirectory()
        let r = try CLI.run(["run", "demo"] + args + ["--outbox", out.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("the SDK refuses non-finite numbers at write time")
    func nonFiniteNumbersThrowAtWrite() throws {
        let sdk = try PanoplySDK(SDKConfiguration(credentials: nil, destination: .outbox(try temporaryDirectory().path)))
        for v in [Double.nan, .infinity, -.infinity] {
            let error = #expect(throws: (any Error).self) { try sdk.write("t", ["x": .number(JSONNumber(v))]) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("not a finite number"))
        }
        #expect(sdk.counters.records == 0)
    }

    @Test("an unreadable state file is a clear error (exit 2)")
    func unreadableStateFile() throws {
        let dir = try temporaryDirectory()
        // A folder where the file should be: unreadable as a file, also for root.
        let state = dir.appendingPathComponent("demo.state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let r = try CLI.run(["run", "demo", "--param", "rows=10", "--state", state.path, "--outbox", dir.appendingPathComponent("out").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("state file"), "\(r.stderr)")
    }

    @Test("a state file that is not JSON says how to fix it")
    func corruptStateFile() throws {
        let dir = try temporaryDirectory()
        let state = dir.appendingPathComponent("demo.state")
        try Data("{\"demo\": ".utf8).write(to: state)
        let r = try CLI.run(["run", "demo", "--param", "rows=10", "--state", state.path, "--outbox", dir.appendingPathComponent("out").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("is not valid JSON") && r.stderr.contains("fix or delete it"), "\(r.stderr)")
    }

    @Test("a world-readable state file gets a warning; state files are written 0600")
    func worldReadableStateFileWarns() throws {
        let dir = try temporaryDirectory()
        let state = dir.appendingPathComponent("demo.state").path
        try Data("{\"demo\":{\"next_id\":5}}\n".utf8).write(to: URL(fileURLWithPath: state))
        chmod(state, 0o644)
        let r = try CLI.run(["run", "demo", "--param", "rows=10", "--state", state, "--outbox", dir.appendingPathComponent("out").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning:") && r.stderr.contains("readable by other users"), "\(r.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
        #expect(mode == 0o600, "mode \(String(mode ?? 0, radix: 8))")
    }
}

/// The `id` of every record in an outbox folder, in file order.
func outboxIds(_ dir: URL) throws -> [Int] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".ndjson") }.sorted()
    var ids: [Int] = []
    for name in names {
        let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        for line in text.split(separator: "\n") {
            if let r = line.range(of: "\"id\":") {
                if let id = Int(line[r.upperBound...].prefix { $0.isNumber }) { ids.append(id) }
            }
        }
    }
    return ids
}
