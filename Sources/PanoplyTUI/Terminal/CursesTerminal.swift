import CNcurses
import Foundation
import PanoplyKit
import PanoplyTUICore

/// The only place that talks to ncurses. Every call runs on the main actor; frames are
/// diffed against the last one drawn, so an unchanged frame costs no terminal output.
@MainActor
final class CursesTerminal: Terminal {
    private let noColor: Bool
    private var shown: Screen?
    private var pairs: [Int: Int16] = [:]
    private var colors = false
    private(set) var isStarted = false

    /// - Parameter noColor: draw with attributes only (`NO_COLOR` set).
    init(noColor: Bool) { self.noColor = noColor }

    /// Sets up a UTF-8 locale (C.UTF-8 when the environment has none), raw keys (so Ctrl-S
    /// and Ctrl-C arrive as keys), no echo, hidden cursor, and colours unless `NO_COLOR`.
    /// - Throws: ``PanoplyError`` when standard input or output is not a terminal.
    func start() throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw PanoplyError.config("the interactive UI needs a terminal; use `panoply run` in scripts")
        }
        setlocale(LC_ALL, "")
        if panoply_locale_is_utf8() == 0 { setlocale(LC_ALL, "C.UTF-8") }
        guard initscr() != nil else { throw PanoplyError.config("cannot start the terminal UI (check TERM)") }
        isStarted = true
        raw()
        noecho()
        nonl()
        keypad(panoply_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        if !noColor, has_colors() {
            start_color()
            use_default_colors()
            colors = true
        }
        clear()
    }

    /// Gives the terminal back as it was. Safe to call more than once.
    func stop() {
        guard isStarted else { return }
        isStarted = false
        curs_set(1)
        endwin()
    }

    var size: (width: Int, height: Int) { (Int(panoply_cols()), Int(panoply_lines())) }

    /// Waits at most `timeoutMs` (0: do not wait) for a key.
    func read(timeoutMs: Int32) -> TerminalInput? {
        wtimeout(panoply_stdscr(), timeoutMs)
        var ch: UInt32 = 0
        let r = panoply_get_wch(&ch)
        if r == ERR { return nil }
        if r == panoply_key_code_yes() { return decodeKeyCode(Int32(ch)) }
        return decodeChar(ch).map { .key($0) }
    }

    private func decodeKeyCode(_ code: Int32) -> TerminalInput? {
        switch code {
        case KEY_RESIZE:
            shown = nil
            return .resize
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_BTAB: return .key(.backTab)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        // Home and End: also the keypad's 7 and 1, and Find / Select, which some
        // terminal descriptions report for the Home and End keys (ESC [1~, ESC [4~).
        case KEY_HOME, KEY_A1, KEY_FIND: return .key(.home)
        case KEY_END, KEY_C1, KEY_SELECT: return .key(.end)
        case KEY_ENTER: return .key(.enter)
        default: return nil
        }
    }

    private func decodeChar(_ ch: UInt32) -> Key? {
        switch ch {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        // Ctrl-A ... Ctrl-Z (Ctrl-A/E/D/K/U edit form fields, Ctrl-S submits).
        case 1...26: return .ctrl(Character(UnicodeScalar(ch + 96)!))
        default: return UnicodeScalar(ch).map { .char(Character($0)) }
        }
    }

    /// Draws what changed since the last frame; does nothing when nothing did.
    func draw(_ screen: Screen) {
        if shown == nil { clear() }
        let runs = frameDiff(from: shown, to: screen)
        shown = screen
        guard !runs.isEmpty else { return }
        for run in runs {
            apply(run.style)
            _ = run.text.withCString { mvaddstr(Int32(run.y), Int32(run.x), $0) }
        }
        panoply_attrset(0, 0, 0, 0, 0)
        refresh()
    }

    private func apply(_ style: CellStyle) {
        var pair: Int16 = 0
        if colors, style.fg != nil || style.bg != nil { pair = colorPair(style.fg, style.bg) }
        // Without colours, coloured text is told apart by attributes alone.
        let bold = style.bold || (!colors && style.fg != nil && style.fg != .white)
        let reverse = style.reverse || (!colors && style.bg != nil)
        panoply_attrset(bold ? 1 : 0, reverse ? 1 : 0, style.dim ? 1 : 0, style.underline ? 1 : 0, pair)
    }

    private func colorPair(_ fg: TermColor?, _ bg: TermColor?) -> Int16 {
        let key = ((fg?.rawValue ?? -1) + 1) * 16 + (bg?.rawValue ?? -1) + 1
        if let p = pairs[key] { return p }
        let next = Int16(pairs.count + 1)
        guard Int32(next) < panoply_color_pairs() else { return 0 }
        init_pair(next, Int16(fg?.rawValue ?? -1), Int16(bg?.rawValue ?? -1))
        pairs[key] = next
        return next
    }
}
