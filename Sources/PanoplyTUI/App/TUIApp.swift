import Foundation
import PanoplyKit

/// The interactive UI: the main loop that feeds keys, ticks and run events to
/// ``reduce(_:_:)``, performs its effects, and draws ``render(_:width:height:)``.
enum TUIApp {
    /// Frames are drawn at most this often.
    static let frameInterval = 1.0 / 30

    /// Runs the UI until the user quits (or SIGINT/SIGTERM).
    /// - Returns: the exit code: 0, or 1 when runs were still delivering at exit.
    /// - Throws: ``PanoplyError`` (config) for an unknown `--open` type or param, unreadable
    ///   saved files, or no terminal.
    @MainActor
    static func run(_ launch: TUILaunch) async throws -> Int32 {
        let store = ConfigStore(directory: launch.configDirectory)
        var state = try initialState(launch, store: store)
        let inbox = Inbox()
        let coordinator = RunCoordinator(registry: launch.registry, store: store, inbox: inbox)
        let terminal = CursesTerminal()
        let signals = TUISignals()
        defer { signals.stop() }
        try terminal.start()
        defer { terminal.stop() }

        let start = ContinuousClock.now
        func seconds() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        var size = terminal.size
        state = reduce(state, .resize(width: size.width, height: size.height)).0
        var dirty = true, lastFrame = -1.0, lastTick = 0.0
        var quitDeadline: Double?
        let stats = UIStats(path: ProcessInfo.processInfo.environment["PANOPLY_UI_STATS"])

        while true {
            let iterationCPU = stats == nil ? 0 : UIStats.threadCPU()
            var events: [AppEvent] = []
            if signals.signal != nil, !state.quitting { events.append(.terminate) }
            let busy = state.activeRunCount > 0 || state.quitting || !inbox.isEmpty
            // Wait for a key; shorter while runs stream events, so frames keep coming.
            if let first = terminal.read(timeoutMs: dirty ? 5 : busy ? 33 : 250) {
                var input: TerminalInput? = first
                var n = 0
                while let i = input, n < 256 {
                    switch i {
                    case .key(let k): events.append(.key(k))
                    case .resize:
                        size = terminal.size
                        events.append(.resize(width: size.width, height: size.height))
                    }
                    n += 1
                    input = terminal.read(timeoutMs: 0)
                }
            }
            events += inbox.drain()
            let now = seconds()
            // Time only shows while runs go (elapsed, rate, ETA); idle, a slow tick is enough.
            if now - lastTick >= (busy ? 0.25 : 1) || !events.isEmpty {
                events.insert(.tick(now), at: 0)
                lastTick = now
            }
            for event in events {
                let (next, effects) = reduce(state, event)
                state = next
                perform(effects, state: state, coordinator: coordinator, store: store, inbox: inbox)
            }
            dirty = dirty || !events.isEmpty
            if dirty, now - lastFrame >= frameInterval {
                terminal.draw(render(state, width: size.width, height: size.height))
                lastFrame = now
                dirty = false
                stats?.frames += 1
            }
            if state.quitting {
                quitDeadline = quitDeadline ?? now + (signals.signal != nil ? 10 : 30)
                let open = state.runs.contains { $0.sdkOpen }
                if !open || now > quitDeadline! { break }
            }
            if let stats { stats.add(cpu: UIStats.threadCPU() - iterationCPU, now: now) }
            await Task.yield()
        }
        let undelivered = state.runs.filter(\.sdkOpen).count
        return undelivered == 0 ? 0 : 1
    }

    @MainActor
    private static func perform(_ effects: [Effect], state: AppState, coordinator: RunCoordinator, store: ConfigStore, inbox: Inbox) {
        for effect in effects {
            switch effect {
            case .startRun(let request): coordinator.start(request, destination: state.destination)
            case .cancelRun(let id): coordinator.cancel(id)
            case .saveSources(let sources):
                do { try store.saveSources(sources) } catch { inbox.post(.notice("cannot save sources: \(error)")) }
            case .saveDestination(let d):
                do { try store.saveDestination(d) } catch { inbox.post(.notice("cannot save the destination: \(error)")) }
            case .quit: break
            }
        }
    }

    /// The first state: saved sources, the destination, and the `--open` form.
    static func initialState(_ launch: TUILaunch, store: ConfigStore) throws -> AppState {
        var types = launch.registry.kinds.map { SourceTypeInfo(type: $0.type, configuration: $0.configuration) }
        // `--open python:MODULE` (or singer:EXE): a type known only at run time.
        if let open = launch.openType, !types.contains(where: { $0.type == open }), let k = try launch.registry.kind(named: open) {
            types.append(SourceTypeInfo(type: k.type, configuration: k.configuration))
        }
        var destination = launch.destination
        // Options on the command line win; without any, the saved destination is used.
        if !launch.destinationGiven, let saved = try store.loadDestination() { destination = saved }
        var state = AppState(types: types, saved: try store.loadSources(), destination: destination)
        if let open = launch.openType {
            guard let info = state.typeInfo(open) else {
                throw PanoplyError.config("unknown source type '\(open)'; available: \(types.map(\.type).joined(separator: ", "))")
            }
            let known = Set(info.configuration.params.map(\.name))
            if let bad = launch.prefill.keys.sorted().first(where: { !known.contains($0) }) {
                throw PanoplyError.config("unknown param '\(bad)' for \(open) (it takes: \(info.configuration.params.map(\.name).joined(separator: ", ")))")
            }
            state.screen = .form(.source(info, values: launch.prefill, table: "", savedName: nil))
        } else if !launch.prefill.isEmpty {
            throw PanoplyError.config("--param needs --open TYPE to say which form it fills")
        }
        return state
    }
}

/// The UI loop's own CPU time, for the benchmark (`PANOPLY_UI_STATS=FILE`): each loop
/// iteration runs without suspending, so the calling thread's CPU clock around it is the
/// UI's share (reading keys, reducing, rendering, curses output), apart from the engine's
/// work on other threads. Written to FILE as one JSON line about once a second.
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
