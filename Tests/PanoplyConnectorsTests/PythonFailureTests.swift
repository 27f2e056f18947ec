import Foundation
import PanoplyKit
import Synchronization
import Testing

@testable import PanoplyConnectors

/// Each failure of a Python source is reported clearly, and the records read before it
/// are delivered (t_fail.py reads ids 1, 2, 3 first, then fails as `mode` says).
@Suite("Python source failures", .enabled(if: PythonFixtures.available))
struct PythonFailureTests {
    func run(
        _ mode: String, originalSDK: Bool = false,
        watch: @escaping @Sendable (RunEvent, SourceRunner) -> Void = { _, _ in }
    ) async throws -> (RunHarness.Outcome, [Int]) {
        let h = try RunHarness()
        defer { h.remove() }
        let out = try await h.run(try PythonFixtures.kind("t_fail", originalSDK: originalSDK), ["mode": mode], watch: watch)
        return (out, try h.deliveredIds())
    }

    @Test("an exception with retryable=False fails at once, with its message and traceback in the log")
    func notRetryable() async throws {
        let (out, ids) = try await run("fatal")
        #expect(out.summary.status == .failed)
        #expect(out.summary.error?.message == "PanoplyException: the account was deleted")
        #expect(out.summary.error?.retryable == false)
        #expect(out.retries == 0)
        #expect(out.logs.contains { $0.contains("t_fail.py") && $0.contains("in read") })
        // The runner (run with -c, its frames in "<string>") leaves its own frames out.
        #expect(!out.logs.contains { $0.contains("<string>") }, "\(out.logs)")
        #expect(ids == [1, 2, 3])
    }

    @Test("a retryable exception is read 3 times, then fails", arguments: [false, true])
    func retryable(originalSDK: Bool) async throws {
        let (out, ids) = try await run("retryable", originalSDK: originalSDK)
        #expect(out.summary.status == .failed)
        #expect(out.summary.error?.message == "PanoplyException: the service is busy")
        #expect(out.retries == 2)
        #expect(out.logs.contains("attempt 3"))
        #expect(!out.logs.contains("attempt 4"))
        #expect(ids == [1, 2, 3])
    }

    @Test("a crashed interpreter fails the run with its exit code and stderr tail")
    func crash() async throws {
        let (out, ids) = try await run("crash")
        #expect(out.summary.status == .failed)
        let message = out.summary.error?.message ?? ""
        #expect(message.contains("crashed") && message.contains("exited with code 3"), "\(message)")
        #expect(message.contains("about to crash hard"))
        #expect(ids == [1, 2, 3])
    }

    @Test("a corrupt protocol message fails the run and says what came")
    func corrupt() async throws {
        let (out, ids) = try await run("corrupt")
        #expect(out.summary.status == .failed)
        let message = out.summary.error?.message ?? ""
        #expect(message.contains("corrupt protocol message") && message.contains("this is not json"), "\(message)")
        #expect(out.summary.error?.retryable == false)
        #expect(ids == [1, 2, 3])
    }

    @Test("print() and logging reach the log and the run succeeds", arguments: [false, true])
    func printing(originalSDK: Bool) async throws {
        let (out, ids) = try await run("print", originalSDK: originalSDK)
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error))")
        #expect(out.logs.contains("hello from print"))
        #expect(out.logs.contains("{'a': 1}"))
        #expect(out.logs.contains { $0.contains("a logging warning") })
        #expect(ids == [1, 2, 3, 4])
    }

    @Test("cancelling a hung source stops it (SIGTERM, then SIGKILL) and keeps what was read")
    func hangThenCancel() async throws {
        let cancelledAt = Mutex<ContinuousClock.Instant?>(nil)
        let (out, ids) = try await run("hang") { event, runner in
            if case .log("hanging now") = event {
                cancelledAt.withLock { $0 = .now }
                runner.cancel()
            }
        }
        #expect(out.summary.status == .cancelled)
        // The module ignores SIGTERM: only SIGKILL after the 0.5 s grace period ends it.
        let at = try #require(cancelledAt.withLock { $0 })
        #expect(ContinuousClock.now - at < .seconds(10))
        #expect(out.logs.contains("hanging now"))
        #expect(ids == [1, 2, 3])
    }
}
