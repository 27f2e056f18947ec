/// The Python runner embedded in the binary (``source``, generated from
/// scripts/python/panoply_runner.py), handed to the interpreter as text (`-c`), so an
/// installed `panoply` needs no build folder and never runs a runner file from disk,
/// which another user could have planted or changed.
enum PythonRunnerScript {
    /// The runner's text (a raw string keeps its last newline out: add it back).
    static var source: String { compatPart + "\n" + bridgePart + "\n" }

    /// The interpreter's arguments to run the runner for `module`: `-u -c SOURCE MODULE`.
    /// The runner's own frames show as `<string>` and are left out of tracebacks; the
    /// current folder that `-c` puts on `sys.path` is taken off again by the runner.
    static func arguments(module: String) -> [String] {
        ["-u", "-c", source, module]
    }
}
