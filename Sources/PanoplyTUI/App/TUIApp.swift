// Placeholder until the terminal UI lands (the TUI branch replaces this file).
enum TUIApp {
    @MainActor static func run(_ launch: TUILaunch) async throws -> Int32 {
        printError("The interactive UI is not built yet; use `panoply run`, `panoply send` or `panoply sources`.")
        return 2
    }
}
