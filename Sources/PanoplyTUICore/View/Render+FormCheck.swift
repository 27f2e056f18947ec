/// The line under a source form that shows its latest Ctrl-T / Ctrl-S check.
package func renderCheck(_ check: FormCheck, y: Int, _ s: inout Screen) {
    s.fill(x: 0, y: y, width: s.width, height: 1)
    switch check.status {
    case .running:
        s.put(check.thenStart ? " … checking the source before the run" : " … testing the connection (Ctrl-T)", x: 0, y: y, style: .accent, maxWidth: s.width)
    case .ok:
        s.put(" ✓ ok: the params are valid and the source is reachable", x: 0, y: y, style: .ok, maxWidth: s.width)
    case .failed(let message, let field):
        let prefix = field.map { " ✗ test failed (\($0)): " } ?? " ✗ test failed: "
        s.put(prefix + message, x: 0, y: y, style: .error, maxWidth: s.width)
    }
}
