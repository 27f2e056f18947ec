import Testing

@testable import PanoplyTUI

@Suite("The UI loop's timing")
struct LoopTimingTests {
    @Test("the read timeout is short with a frame pending, a frame long while busy, a quarter second idle")
    func readTimeout() {
        #expect(LoopTiming.readTimeout(dirty: true, busy: false) == 5)
        #expect(LoopTiming.readTimeout(dirty: false, busy: true) == 33)
        #expect(LoopTiming.readTimeout(dirty: false, busy: false) == 250)
    }

    @Test("ticks come with every event, four times a second while busy and once a second idle")
    func tickCadence() {
        var t = LoopTiming()
        let due = [
            t.tickDue(now: 0.5, busy: false, hasEvents: false),
            t.tickDue(now: 1.0, busy: false, hasEvents: false),
            t.tickDue(now: 1.2, busy: true, hasEvents: false),
            t.tickDue(now: 1.25, busy: true, hasEvents: false),
            t.tickDue(now: 1.26, busy: false, hasEvents: true),
            t.tickDue(now: 2.0, busy: false, hasEvents: false)
        ]
        #expect(due == [false, true, false, true, true, false])
    }

    @Test("frames are drawn only when something changed, at most 30 a second")
    func frameThrottle() {
        var t = LoopTiming()
        let due = [
            t.frameDue(now: 0, dirty: true),
            t.frameDue(now: 0.01, dirty: true),
            t.frameDue(now: 0.5, dirty: false),
            t.frameDue(now: 0.51, dirty: true),
            t.frameDue(now: 0.52, dirty: true)
        ]
        #expect(due == [true, false, false, true, false])
    }
}
