import PanoplyKit

/// Turns CSV text into a typed JSON value when `infer_types` is on. Numbers keep their
/// exact text; values that only look numeric in other notations (leading zeros, "1e",
/// "+1") stay strings so zip codes and ids are not mangled.
enum CSVValueInference {
    static func value(_ text: String) -> JSONValue {
        if text.isEmpty { return .null }
        switch text {
        case "true", "TRUE", "True": return .bool(true)
        case "false", "FALSE", "False": return .bool(false)
        default: break
        }
        if let first = text.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
           let number = try? JSONNumber(text: text) {
            return .number(number)
        }
        return .string(text)
    }
}
