/// Turns the relative paths typed in a form into absolute ones, against the folder the UI
/// started in (read once at start and passed in), so a saved source works from anywhere.
package enum PathResolution {
    /// `path` made absolute against `directory`, with `.` and `..` folded; an empty path,
    /// an absolute one, one that starts with a `${NAME}` reference (its variable may hold an
    /// absolute path), or an empty `directory` leaves it as typed.
    package static func absolute(_ path: String, against directory: String) -> String {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasPrefix("${"), directory.hasPrefix("/") else { return path }
        var parts: [Substring] = []
        for part in (directory + "/" + path).split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
