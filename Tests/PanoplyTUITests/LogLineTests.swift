import PanoplyKit
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// Log lines carry their time (from the tick) and a level; `t` and `!` change what shows.
@Suite struct LogLineTests {
    /// A run started at 2 s on the app's clock, with the app started at 09:30:00.
    func driver() -> Driver {
        var state = makeState()
        state.clockOrigin = 9 * 3600 + 30 * 60
        var d = Driver(state)
        d.send(.tick(2))
        d.keys(.enter, .ctrl("s"))
        d.send(
            .run(1, .started(attempt: 1, resumedFrom: nil)), .tick(5), .run(1, .log("read batch 1")),
            .tick(65), .run(1, .retrying(attempt: 1, maxAttempts: 3, error: PanoplyError(.internal, "timeout"), delay: .seconds(1))),
            .run(1, .log("Error: Access token can't be revalidated")))
        return d
    }

    @Test func linesCarryTheTickTimeAndALevel() throws {
        let d = driver()
        let lines = try #require(d.run?.log.lines)
        #expect(lines.map(\.at) == [2, 5, 65, 65])
        #expect(lines.map(\.level) == [.info, .info, .warn, .error])
        #expect(
            d.run?.visibleLog == [
                "[00:00] starting", "[00:03] read batch 1",
                "[01:03] read attempt 1/3 in 1.0s after: timeout",
                "[01:03] Error: Access token can't be revalidated"
            ])
    }

    @Test func tTogglesAbsoluteAndRelativeTimes() {
        var d = driver()
        d.keys(.char("t"))
        #expect(d.run?.visibleLog.first == "[09:30:02] starting")
        #expect(d.run?.visibleLog.last?.hasPrefix("[09:31:05] ") == true)
        d.keys(.char("t"))
        #expect(d.run?.visibleLog.first == "[00:00] starting")
    }

    @Test func bangShowsOnlyWarningsAndErrorsAndSlashStillFilters() {
        var d = driver()
        d.keys(.char("!"))
        #expect(d.run?.visibleLogLines.map(\.level) == [.warn, .error])
        d.keys(.char("/"))
        d.type("token")
        d.keys(.enter)
        #expect(d.run?.visibleLogLines.map(\.text) == ["Error: Access token can't be revalidated"])
        d.keys(.char("!"))
        #expect(d.run?.visibleLogLines.count == 1)
        d.keys(.char("/"), .escape)
        #expect(d.run?.visibleLogLines.count == 4)
    }

    @Test(arguments: [
        ("reading 'a.csv' (10 bytes)", LogLevel.info), ("read failed (x); retrying in 1s", .warn),
        ("cannot save state: disk full", .warn), ("skipped 3: not JSON", .warn),
        ("Error: Access token can't be revalidated", .error)
    ])
    func sourceLinesGetTheLevelTheirWordsGive(line: String, level: LogLevel) {
        #expect(LogLevel.of(line) == level)
    }

    @Test func absoluteTimesWrapAtMidnight() {
        #expect(Format.timeOfDay(86_399) == "23:59:59")
        #expect(Format.timeOfDay(86_400 + 61) == "00:01:01")
    }
}
