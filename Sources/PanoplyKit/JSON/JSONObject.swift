/// A JSON object that keeps its keys in insertion order.
///
/// Lookups are linear, which is faster than hashing for the small objects that
/// records usually are. Equality ignores key order, as JSON does.
public struct JSONObject: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []

    public init() {}

    public init<S: Sequence>(_ pairs: S) where S.Element == (String, JSONValue) {
        for (k, v) in pairs { self[k] = v }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`; setting `nil` removes the key, setting an existing key
    /// replaces its value in place.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = keys.firstIndex(of: key) else { return nil }
            return values[i]
        }
        set {
            if let i = keys.firstIndex(of: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public func makeIterator() -> Zip2Sequence<[String], [JSONValue]>.Iterator {
        zip(keys, values).makeIterator()
    }

    /// Merges `other` into this object: a key of `other` replaces the same key here,
    /// other keys accumulate. This is how reported source states combine.
    public mutating func merge(_ other: JSONObject) {
        for (k, v) in other { self[k] = v }
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.count == b.count else { return false }
        for (k, v) in a where b[k] != v { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for k in keys.sorted() { hasher.combine(k); hasher.combine(self[k]) }
    }
}

extension JSONObject {
    /// An object of `keys` (no repeats; not checked) and their `values`, built without a
    /// lookup per key (the runner puts a state of thousands of resources together).
    package init(uniqueKeys keys: [String], values: [JSONValue]) {
        precondition(keys.count == values.count, "a JSONObject needs one value per key")
        self.init()
        self.keys = keys
        self.values = values
    }
}
