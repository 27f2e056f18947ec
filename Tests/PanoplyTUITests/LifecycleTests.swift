import PanoplyKit
import PanoplyWorkspace
import Synchronization
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

@Suite("Lifecycle pieces")
struct LifecycleTests {
    @Test("Once: the first set wins, and waiters wake only after its announcement")
    func onceIsSetOnce() async {
        let once = Once<Int32>()
        let log = Mutex<[String]>([])
        let waiter = Task { () -> Int32 in
            let v = await once.value
            log.withLock { $0.append("woke \(v)") }
            return v
        }
        #expect(!once.isSet)
        let first = once.set(3) { log.withLock { $0.append("announced 3") } }
        let second = once.set(0) { log.withLock { $0.append("announced 0") } }
        #expect(first && !second)
        #expect(await waiter.value == 3)
        #expect(await once.value == 3, "a late reader gets the value at once")
        #expect(log.withLock { $0 } == ["announced 3", "woke 3"])
    }

    @Test(
        "seconds options outside their range are errors naming the option and the range",
        arguments: [
            (1e300, "(got 1e+300)"), (.infinity, "(got inf)"), (.nan, "(got nan)"), (-1, "(got -1)"), (0, "(got 0)")
        ])
    func secondsOutOfRange(value: Double, got: String) {
        #expect {
            _ = try SecondsOption.duration(value, option: "--flush-interval", in: SecondsOption.flushInterval)
        } throws: { error in
            let message = (error as? PanoplyError)?.message ?? ""
            return message.hasPrefix("--flush-interval must be a number of seconds from 0.001 to 3600") && message.hasSuffix(got)
        }
    }

    @Test("seconds options in range become durations in milliseconds")
    func secondsInRange() throws {
        #expect(try SecondsOption.duration(0.25, option: "--flush-interval", in: SecondsOption.flushInterval) == .milliseconds(250))
        #expect(try SecondsOption.duration(3600, option: "--flush-interval", in: SecondsOption.flushInterval) == .seconds(3600))
    }
}
