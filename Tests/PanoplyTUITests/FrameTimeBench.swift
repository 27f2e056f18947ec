import Foundation
import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// Not a test: the figures of `scripts/bench/ui_frame_bench.sh` (#31: a 5,000-resource run's
/// frame under 50 ms). It runs only when that script sets `PANOPLY_BENCH_FRAME`, and prints
/// one JSON line; the script checks the limit.
@Suite struct FrameTimeBench {
    static let enabled = ProcessInfo.processInfo.environment["PANOPLY_BENCH_FRAME"] != nil

    @Test("frame and fold times of a 5,000-resource run at 100x30", .enabled(if: enabled))
    func frameTimes() throws {
        let clock = ContinuousClock()
        var d = manyResourcesDriver()
        var frames: [Duration] = []
        for i in 0..<50 {
            // One event (a resource in the middle progressing), a tick, then the frame.
            let started = clock.now
            d.send(.run(1, .resource(ResourceProgress(id: "t4814", status: .reading, loaded: 300 + i, total: 2000))), .tick(100 + Double(i) / 10))
            _ = render(d.state, width: 100, height: 30)
            frames.append(clock.now - started)
        }
        var r = try #require(d.run)
        let folded = clock.measure {
            for i in 0..<15_000 { r.apply(ResourceProgress(id: "t\(1 + i % 5000)", status: .reading, loaded: i), now: 200) }
        }
        // The picker taking 5,000 names listed in a catalog's order (t1, t10, t100, ...).
        var picker = PickerState(field: "tables", title: "Tables", load: .loading(1), picked: [])
        let names = (1...5000).map { "public.t\($0)" }.sorted()
        let took = clock.measure { picker.take(names.map { ListValue(name: $0, value: $0) }, resources: []) }
        #expect(picker.items.first?.value == "public.t1" && picker.items.last?.value == "public.t5000")
        let ms = frames.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1000 }.sorted()
        let foldMs = Double(folded.components.attoseconds) / 1e15 + Double(folded.components.seconds) * 1000
        let takeMs = Double(took.components.attoseconds) / 1e15 + Double(took.components.seconds) * 1000
        print(
            #"PANOPLY_FRAME {"resources": 5000, "frame_ms_median": \#(ms[ms.count / 2]), "frame_ms_p90": \#(ms[ms.count * 9 / 10]), "frame_ms_max": \#(ms.last!), "fold_15000_events_ms": \#(foldMs), "picker_take_5000_ms": \#(takeMs)}"#
        )
    }
}
