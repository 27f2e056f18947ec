import PanoplyTUICore

/// What the terminal reports.
enum TerminalInput: Sendable, Equatable {
    case key(Key)
    case resize
}

/// What the UI loop needs of a terminal: ``CursesTerminal`` in the program, an
/// in-memory terminal in the whole-program tests.
@MainActor
protocol Terminal: AnyObject {
    /// Takes over the terminal.
    /// - Throws: ``PanoplyError`` when there is no terminal to take over.
    func start() throws
    /// Gives the terminal back as it was. Safe to call more than once.
    func stop()
    var size: (width: Int, height: Int) { get }
    /// Waits at most `timeoutMs` (0: do not wait) for a key or a resize.
    func read(timeoutMs: Int32) -> TerminalInput?
    /// Shows `screen`.
    func draw(_ screen: Screen)
}
