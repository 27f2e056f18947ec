import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

/// The interactive UI: the main loop that feeds keys, ticks and run events to
/// ``reduce(_:_:)``, performs its effects, and draws ``render(_:width:height:)``.
enum TUIApp {
    /// Runs the UI on the real terminal until the user quits (or SIGINT/SIGTERM/SIGHUP).
    /// - Returns: the exit code: 0, or 1 when runs were still delivering at exit.
    /// - Throws: ``PanoplyError`` (config) for an unknown `--open` type or param, unreadable
    ///   saved files, or no terminal.
    @MainActor
    static func run(_ launch: TUILaunch) async throws -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        return try await run(
            launch, terminal: CursesTerminal(noColor: launch.noColor),
            signals: Signals.stream([SIGINT, SIGTERM, SIGHUP]))
    }

    /// Runs the UI on `terminal`; a signal on `signals` leaves as a quit does, faster.
    /// `observe` sees every event with the effects it caused (for tests).
    @MainActor
    static func run(
        _ launch: TUILaunch, terminal: some Terminal, signals: AsyncStream<Int32>? = nil,
        observe: ((AppEvent, [Effect]) -> Void)? = nil
    ) async throws -> Int32 {
        let store = launch.workspace ?? FolderWorkspace(directory: launch.configDirectory)
        let loop = AppLoop(
            state: try initialState(launch, store: store), terminal: terminal, store: store,
            registry: launch.registry, awsSessionToken: launch.awsSessionToken, environment: launch.environment,
            shutdownTimeout: launch.shutdownTimeout, destinationGiven: launch.destinationGiven,
            observe: observe)
        let inbox = loop.inbox
        let watcher = signals.map { s in Task { for await _ in s { inbox.post(.terminate) } } }
        defer { watcher?.cancel() }
        try terminal.start()
        defer { terminal.stop() }
        return await loop.run()
    }

    /// The first state: saved sources, the destination, and the `--open` form.
    static func initialState(_ launch: TUILaunch, store: any Workspace) throws -> AppState {
        var types = launch.registry.kinds.map { SourceTypeInfo(type: $0.type, configuration: $0.configuration, incremental: $0.incremental) }
        // Types added with `panoply sources add`; one that cannot load is left out, said once.
        var unloadable: [String] = []
        for added in try store.loadAddedTypes() where !types.contains(where: { $0.type == added.type }) {
            do {
                let k = try launch.registry.require(added.type)
                types.append(SourceTypeInfo(type: k.type, configuration: k.configuration, incremental: k.incremental))
            } catch {
                unloadable.append("\(added.type) (\(error.asPanoplyError.message))")
            }
        }
        // `--open python:MODULE` (or singer:EXE): a type known only at run time.
        if let open = launch.openType, !types.contains(where: { $0.type == open }), let k = try launch.registry.kind(named: open) {
            types.append(SourceTypeInfo(type: k.type, configuration: k.configuration, incremental: k.incremental))
        }
        var destination = launch.destination
        // Options on the command line win; without any, the saved destination is used.
        if !launch.destinationGiven, let saved = try store.loadDestination() { destination = saved }
        var state = AppState(types: types, saved: try store.loadSources(), destination: destination)
        state.workingDirectory = launch.workingDirectory
        state.workspace = WorkspaceHeader.name(of: store)
        state.clockOrigin = localTimeOfDay()
        state.epochOrigin = Date().timeIntervalSince1970
        state.utcOffset = TimeZone.current.secondsFromGMT()
        let (history, problems) = store.histories(of: state.saved.map(\.name))
        state.history = history
        state.notice = problems.first
        if !unloadable.isEmpty { state.notice = "cannot load the added type \(unloadable.joined(separator: "; "))" }
        if let open = launch.openType {
            guard let info = state.typeInfo(open) else {
                throw PanoplyError.config("unknown source type '\(open)'; available: \(types.map(\.type).joined(separator: ", "))")
            }
            let known = Set(info.configuration.params.map(\.name))
            if let bad = launch.prefill.keys.sorted().first(where: { !known.contains($0) }) {
                throw PanoplyError.config("unknown param '\(bad)' for \(open) (it takes: \(info.configuration.params.map(\.name).joined(separator: ", ")))")
            }
            state.screen = .form(
                .source(
                    info, values: launch.prefill, table: "", savedName: nil,
                    defaultName: state.uniqueSavedName(info.configuration.title)))
        } else if !launch.prefill.isEmpty {
            throw PanoplyError.config("--param needs --open TYPE to say which form it fills")
        }
        return state
    }

    /// Seconds since local midnight now: the UI's clock starts at 0, and log lines show
    /// absolute times from this origin.
    static func localTimeOfDay(_ now: Date = Date()) -> Double {
        let t = now.timeIntervalSince1970 + Double(TimeZone.current.secondsFromGMT(for: now))
        return t.truncatingRemainder(dividingBy: 86_400)
    }
}
