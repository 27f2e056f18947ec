/// A source type the user added (`panoply sources add python:MODULE [--python PATH]`): it
/// is listed with the built-in types, and a Python one runs with the interpreter it was
/// added with.
public struct AddedSourceType: Codable, Sendable, Equatable {
    /// `python:MODULE` or `singer:EXECUTABLE`.
    public var type: String
    /// The interpreter of a `python:` type (nil: `PANOPLY_PYTHON`, else `python3`).
    public var python: String?

    public init(type: String, python: String? = nil) {
        self.type = type
        self.python = python
    }
}
