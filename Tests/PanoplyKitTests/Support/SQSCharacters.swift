/// SQS's rule for message bodies (moto does not check it): only #x9, #xA, #xD,
/// #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF, as well-formed UTF-8.
enum SQSCharacters {
    /// What in `body` SQS would reject: each offending scalar, or a note on bad UTF-8.
    static func violations(_ body: [UInt8]) -> [String] {
        guard let text = String(validating: body, as: UTF8.self) else { return ["not well-formed UTF-8"] }
        return text.unicodeScalars.filter { !allowed($0.value) }.map { "U+" + String($0.value, radix: 16, uppercase: true) }
    }

    static func allowed(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
    }
}
