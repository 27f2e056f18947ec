/// Writes JSON into fixed memory through a pointer; throws ``Full`` when it runs out
/// (the caller then starts over on the array path, so output and errors stay the same).
struct ByteWriter: JSONSink {
    struct Full: Error {}

    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var count = 0

    @inline(__always)
    mutating func byte(_ b: UInt8) throws {
        guard count < capacity else { throw Full() }
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func bytes(_ p: UnsafeBufferPointer<UInt8>) throws {
        guard p.count <= capacity - count else { throw Full() }
        if let src = p.baseAddress { (base + count).update(from: src, count: p.count) }
        count += p.count
    }

    @inline(__always)
    mutating func utf8(_ s: String) throws {
        if let r: Void = try s.utf8.withContiguousStorageIfAvailable({ try bytes($0) }) { return r }
        var s = s
        try s.withUTF8 { try bytes($0) }
    }

    /// Every valid literal ends in a digit; NaN and infinities (``JSONNumber/isFinite``)
    /// do not: the array path reports them.
    @inline(__always)
    mutating func number(_ n: JSONNumber) throws {
        try utf8(n.text)
        guard count > 0, base[count - 1] &- 0x30 < 10 else { throw Full() }
    }

    mutating func stringBytes(_ buf: UnsafeBufferPointer<UInt8>) throws {
        let n = buf.count
        let i = JSONWriter.firstSpecial(buf)
        if i == n {
            guard n + 2 <= capacity - count else { throw Full() }
            base[count] = UInt8(ascii: "\"")
            if let src = buf.baseAddress { (base + count + 1).update(from: src, count: n) }
            base[count + n + 1] = UInt8(ascii: "\"")
            count += n + 2
            return
        }
        let escaped = JSONWriter.escapedCount(buf)
        guard escaped + 2 <= capacity - count else { throw Full() }
        base[count] = UInt8(ascii: "\"")
        count += 1
        count += JSONWriter.writeEscaped(buf, to: base + count)
        base[count] = UInt8(ascii: "\"")
        count += 1
    }
}
