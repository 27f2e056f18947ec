/// A JSON number that remembers how it was written.
///
/// Numbers parsed from text keep their literal (so big integers and exponents pass
/// through untouched); numbers built from Swift values are written in their shortest
/// round-tripping form. Equality compares the literal text after normalising the
/// integer/decimal forms that denote the same value.
public struct JSONNumber: Sendable, Hashable {
    /// The JSON text of the number, always a valid JSON number literal.
    public let text: String

    /// Wraps a literal that is already known to be a valid JSON number.
    init(validatedText: String) { self.text = validatedText }

    /// Creates a number from its JSON text.
    /// - Throws: ``JSONError`` when `text` is not a JSON number literal.
    public init(text: String) throws {
        var parser = JSONParser(bytes: Array(text.utf8), maxDepth: 1)
        guard case .number(let n) = try parser.parseDocument() else {
            throw JSONError(message: "'\(text)' is not a JSON number", offset: 0)
        }
        self = n
    }

    public init(_ value: Int) { text = String(value) }
    public init(_ value: Int64) { text = String(value) }
    public init(_ value: UInt64) { text = String(value) }

    /// Creates a number from a double. Non-finite values have no JSON form; they are
    /// written as the text `NaN`/`Infinity` and rejected by ``isFinite`` checks at write time.
    public init(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e16 {
            // Keep "2.0" for doubles, as Python's json does, so the type survives.
            text = String(Int64(value)) + ".0"
        } else {
            text = value.description
        }
    }

    /// False for NaN and infinities built from doubles; those cannot be written as JSON.
    public var isFinite: Bool {
        // Every valid literal ends in a digit; "nan", "inf" and "-inf" do not.
        guard let last = text.utf8.last else { return false }
        return last >= UInt8(ascii: "0") && last <= UInt8(ascii: "9")
    }

    public var intValue: Int? { Int(text) }
    public var doubleValue: Double? { Double(text) }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        if a.text == b.text { return true }
        // 1 and 1.0 are different literals; compare integers exactly, others by value.
        if let ai = Int(a.text), let bi = Int(b.text) { return ai == bi }
        let aInt = !a.text.contains(where: { ".eE".contains($0) })
        let bInt = !b.text.contains(where: { ".eE".contains($0) })
        if aInt != bInt { return false }
        if aInt { return a.text == b.text }
        return Double(a.text) == Double(b.text)
    }

    public func hash(into hasher: inout Hasher) {
        if let i = Int(text) { hasher.combine(i) } else if let d = Double(text) { hasher.combine(d) }
    }
}

extension JSONNumber {
    /// The length of the JSON number literal at the start of `bytes` (the grammar
    /// ``init(text:)`` accepts), without building a string: for sources that write numbers
    /// from their own text straight into JSON.
    /// - Returns: nil when `bytes` does not start with a number literal.
    public static func literalLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        var s = NDJSONFastPath.Scanner(p: base, n: bytes.count)
        return s.number() ? s.i : nil
    }
}
