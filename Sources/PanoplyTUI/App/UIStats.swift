import Foundation

/// The UI loop's own CPU time, for the benchmark (`panoply --ui-stats FILE`, a hidden
/// option): each loop iteration runs without suspending, so the calling thread's CPU clock
/// around it is the UI's share (reading keys, reducing, rendering, curses output), apart
/// from the engine's work on other threads. Written to FILE as one JSON line about once a
/// second.
@MainActor
final class UIStats {
    let path: String
    var cpuSeconds = 0.0
    var frames = 0
    var iterations = 0
    private var lastWrite = -1.0

    init?(path: String?) {
        guard let path, !path.isEmpty else { return nil }
        self.path = path
    }

    /// CPU time of the calling thread, in seconds.
    nonisolated static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func add(cpu: Double, now: Double) {
        cpuSeconds += cpu
        iterations += 1
        guard now - lastWrite >= 1 else { return }
        lastWrite = now
        let line = #"{"ui_cpu_seconds":\#(cpuSeconds),"frames":\#(frames),"iterations":\#(iterations),"wall_seconds":\#(now)}"# + "\n"
        try? line.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
