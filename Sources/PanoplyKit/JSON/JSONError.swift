/// A JSON text that could not be parsed, or a value that cannot be written as JSON.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in words a user can act on.
    public let message: String
    /// The byte offset in the input where the problem was found.
    public let offset: Int

    public var description: String { "\(message) (at byte \(offset))" }
}
