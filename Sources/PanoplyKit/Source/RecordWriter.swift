/// `"name":` of each column of a table, encoded once for all its rows, for ``RecordWriter``.
public struct RecordKeys: Sendable {
    /// The keys one after another (one buffer: copying one costs no reference counting).
    let bytes: [UInt8]
    /// Where each key ends in ``bytes``.
    let ends: [Int]
    /// Whether records with these keys can be spliced as written: the names are unique and
    /// none is a key the runner or the SDK sets (``EncodedRecords/reservedKeys``).
    public let vouch: Bool

    /// - Parameter names: the column names, in the order the cells are written.
    public init(_ names: [String]) {
        var bytes: [UInt8] = [], ends: [Int] = []
        for name in names {
            JSONWriter.writeString(name, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            ends.append(bytes.count)
        }
        self.bytes = bytes
        self.ends = ends
        vouch = Set(names).count == names.count && EncodedRecords.reservedKeys.isDisjoint(with: names)
    }

    /// The number of keys.
    public var count: Int { ends.count }
}

/// Writes one record's JSON object into fixed memory through a pointer, for
/// ``EncodedRecords/append(keys:_:)``: a source's row goes cell by cell into the batch with no
/// capacity or uniqueness check per byte, as ``JSONWriter`` would write it. When the memory
/// runs out the writer stops and the record is written again into more.
public struct RecordWriter {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    let keys: UnsafeBufferPointer<UInt8>
    let ends: UnsafeBufferPointer<Int>
    var count = 0
    /// The record did not fit: everything written after that is dropped.
    var full = false
    /// Whether the record is in the writer's own form for sure (see
    /// ``EncodedRecords/append(vouching:)``); a value that may not be clears it.
    var vouch: Bool

    init(base: UnsafeMutablePointer<UInt8>, capacity: Int, keys: UnsafeBufferPointer<UInt8>, ends: UnsafeBufferPointer<Int>, vouch: Bool) {
        self.base = base
        self.capacity = capacity
        self.keys = keys
        self.ends = ends
        self.vouch = vouch
    }

    @inline(__always)
    private mutating func room(_ n: Int) -> Bool {
        if !full, n <= capacity - count { return true }
        full = true
        return false
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        guard room(1) else { return }
        base[count] = b
        count += 1
    }

    @inline(__always)
    private mutating func copy(_ p: UnsafeBufferPointer<UInt8>) {
        guard room(p.count), let src = p.baseAddress else { return }
        (base + count).update(from: src, count: p.count)
        count += p.count
    }

    /// Starts cell `k` (below the keys' count): the comma before every cell but the first,
    /// then its key.
    public mutating func key(_ k: Int) {
        let start = k == 0 ? 0 : ends[k - 1]
        if k > 0 { byte(UInt8(ascii: ",")) }
        copy(UnsafeBufferPointer(rebasing: keys[start..<ends[k]]))
    }

    /// `null`.
    public mutating func null() {
        copy(UnsafeBufferPointer(start: Self.nullText.utf8Start, count: 4))
    }

    private static let nullText: StaticString = "null"

    /// An integer's decimal digits, as `String(v)` gives them.
    public mutating func integer(_ v: Int64) {
        guard room(20) else { return }
        if v < 0 { base[count] = UInt8(ascii: "-"); count += 1 }
        var m = v.magnitude
        var digits = 1
        var t = m
        while t >= 10 { t /= 10; digits += 1 }
        var k = count + digits
        count = k
        repeat {
            k -= 1
            base[k] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30
            m /= 10
        } while m > 0
    }

    /// A finite double as ``JSONNumber/init(_:)-(Double)`` writes it (`2.0` for an integral
    /// value, else the shortest form that reads back the same). A non-finite one is not a
    /// JSON number: the caller writes what it stands for instead.
    public mutating func number(_ d: Double) {
        let text = JSONNumber(d).text
        let start = count
        string(utf8: text)
        guard !full else { return }
        // Every finite double's text is a JSON literal; checked, as the writer would.
        if JSONNumber.literalLength(UnsafeBufferPointer(start: base + start, count: count - start)) != count - start {
            vouch = false
        }
    }

    /// A number's literal text as it is (e.g. a CSV cell read as a number); the record is
    /// checked unless `literal` is known to be one ``JSONNumber/literalLength(_:)`` takes whole.
    public mutating func literal(_ literal: UnsafeBufferPointer<UInt8>, checked: Bool) {
        copy(literal)
        if !checked { vouch = false }
    }

    /// UTF-8 bytes as a quoted JSON string, escaped as ``JSONWriter/writeStringBytes(_:into:)``
    /// escapes them. Bytes that are not ASCII clear ``vouch`` (the record is checked: invalid
    /// UTF-8 makes it invalid, and the caller then builds it as an object).
    public mutating func text(_ buf: UnsafeBufferPointer<UInt8>) {
        guard !full else { return }
        // The writer's own string code, in the room left.
        var w = ByteWriter(base: base + count, capacity: capacity - count)
        do { try w.stringBytes(buf) } catch {
            full = true
            return
        }
        count += w.count
        if vouch, !EncodedRecords.isASCII(buf) { vouch = false }
    }

    /// A string, quoted and escaped.
    public mutating func string(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ text($0) }) != nil { return }
        var s = s
        s.withUTF8 { text($0) }
    }

    /// The UTF-8 of `s` as it is.
    private mutating func string(utf8 s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ copy($0) }) != nil { return }
        var s = s
        s.withUTF8 { copy($0) }
    }
}

extension EncodedRecords {
    /// Appends a record that `write` writes cell by cell (``RecordWriter/key(_:)``, then the
    /// value), between the object's braces. It is spliced as written when `keys` vouch for
    /// it and every value did (ASCII text, checked numbers); otherwise it is checked as
    /// ``append(encoding:)`` checks. `write` may run more than once: again, with more
    /// room, for a record that did not fit.
    /// - Parameters:
    ///   - keys: the keys ``RecordWriter/key(_:)`` writes.
    ///   - write: writes the cells; it must not depend on how many times it ran.
    /// - Returns: false, appending nothing, when the bytes are no valid JSON object (e.g.
    ///   text that is not UTF-8); the caller then appends the record as an object.
    @discardableResult
    public mutating func append(keys: RecordKeys, _ write: (inout RecordWriter) -> Void) -> Bool {
        // Most rows fit in a small stack buffer (over 1 KiB, a temporary allocation is a
        // malloc on Linux); bigger ones are written into the heap, four times more each try.
        if let r = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024, { append($0, keys, write) }) { return r }
        var size = 16 << 10
        while true {
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: size)
            defer { buffer.deallocate() }
            if let r = append(buffer, keys, write) { return r }
            size *= 4
        }
    }

    /// One try of ``append(keys:_:)`` in `buffer`; nil when the record did not fit.
    private mutating func append(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ keys: RecordKeys, _ write: (inout RecordWriter) -> Void) -> Bool? {
        let written: (Int, Bool)? = keys.bytes.withUnsafeBufferPointer { k in
            keys.ends.withUnsafeBufferPointer { e in
                var w = RecordWriter(base: buffer.baseAddress!, capacity: buffer.count, keys: k, ends: e, vouch: keys.vouch)
                w.byte(UInt8(ascii: "{"))
                write(&w)
                w.byte(UInt8(ascii: "}"))
                return w.full ? nil : (w.count, w.vouch)
            }
        }
        guard let (n, vouch) = written else { return nil }
        let record = UnsafeBufferPointer(start: buffer.baseAddress, count: n)
        return append(vouching: {
            $0.append(contentsOf: record); return vouch
        })
    }
}
