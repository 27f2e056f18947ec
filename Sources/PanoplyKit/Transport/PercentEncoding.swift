/// RFC 3986 percent-encoding straight into bytes: everything but `A-Z a-z 0-9 - _ . ~`.
enum PercentEncoding {
    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static let unreserved: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(c)] = true }
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(c)] = true }
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = true }
        for c in "-_.~".utf8 { t[Int(c)] = true }
        return t
    }()

    static func append<C: Collection>(_ bytes: C, to out: inout [UInt8], keepSlash: Bool = false) where C.Element == UInt8 {
        out.reserveCapacity(out.count + bytes.count + bytes.count / 2)
        for b in bytes {
            if unreserved[Int(b)] || (keepSlash && b == UInt8(ascii: "/")) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
    }

    static func encode<C: Collection>(_ bytes: C, keepSlash: Bool = false) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        append(bytes, to: &out, keepSlash: keepSlash)
        return out
    }
}
