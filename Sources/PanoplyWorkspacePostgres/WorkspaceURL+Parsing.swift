import Foundation
import PanoplyKit

/// The pieces of a workspace URL, each checked with a message that says what to write.
extension WorkspaceURL {
    struct Parts {
        var scheme: String
        /// `USER[:PASSWORD]`, still percent-encoded; nil when the URL has no `@`.
        var userinfo: String?
        /// `HOST[:PORT]`.
        var authority: String
        /// The database, still percent-encoded (no leading `/`).
        var path: String
        var query: String?
    }

    /// Splits `scheme://[userinfo@]host[:port][/db][?query]`. The userinfo ends at the last
    /// `@` before the query, so a password may hold `@` or `/` unencoded.
    static func split(_ text: String) throws -> Parts {
        guard isPostgres(text), let schemeEnd = text.range(of: "://") else {
            throw problem(text, "must start with postgres:// or postgresql://")
        }
        let scheme = String(text[..<schemeEnd.lowerBound])
        var rest = text[schemeEnd.upperBound...]
        // The userinfo ends at the last `@`, so a password may hold `?`, `/`, `#` or `@` unencoded.
        var userinfo: String?
        if let at = rest.lastIndex(of: "@") {
            userinfo = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        var query: String?
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let path = slash == rest.endIndex ? "" : String(rest[rest.index(after: slash)...])
        return Parts(scheme: scheme, userinfo: userinfo, authority: String(rest[..<slash]), path: path, query: query)
    }

    static func splitUserinfo(_ info: String) -> (user: String, password: String?) {
        guard let colon = info.firstIndex(of: ":") else { return (info, nil) }
        return (String(info[..<colon]), String(info[info.index(after: colon)...]))
    }

    static func hostAndPort(_ authority: String, in text: String) throws -> (String, Int) {
        var host = authority
        var portText: String?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = String(after.dropFirst()) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = String(authority[authority.index(after: colon)...])
        }
        guard !host.isEmpty else { throw problem(text, "names no host: write postgres://USER@HOST:PORT/DB") }
        guard let portText else { return (host, defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw problem(text, "has port '\(portText)': a port is a number from 1 to 65535")
        }
        return (host, port)
    }

    static func queryParams(_ query: String?, in text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(kv[0])
            guard knownParams.contains(key) else {
                throw problem(text, "has the param '\(key)', which a workspace URL does not take (known: \(knownParams.joined(separator: ", ")))")
            }
            guard out[key] == nil else { throw problem(text, "gives '\(key)' twice") }
            out[key] = try decode(kv.count > 1 ? String(kv[1]) : "", what: key, in: text)
        }
        return out
    }

    static func decode(_ part: String, what: String, in text: String) throws -> String {
        guard let decoded = part.removingPercentEncoding else {
            throw problem(text, "has a \(what) with a broken %-escape (write % as %25)")
        }
        return decoded
    }

    /// A name that needs no quoting in SQL and fits a `NOTIFY` channel with a prefix.
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 50 else { return false }
        let lower: ClosedRange<Unicode.Scalar> = "a"..."z"
        let digits: ClosedRange<Unicode.Scalar> = "0"..."9"
        return (first == "_" || lower.contains(first)) && name.unicodeScalars.allSatisfy { $0 == "_" || lower.contains($0) || digits.contains($0) }
    }
}

/// libpq's password file (`~/.pgpass`): lines of `host:port:database:user:password`, `*`
/// matching anything, `\:` and `\\` escaped, `#` comments; the first matching line wins.
enum PasswordFile {
    /// - Returns: the password of the first line that matches, nil when none does.
    /// - Throws: ``PanoplyError`` (config) when the file cannot be read or others may read it.
    static func lookup(_ path: String, host: String, port: Int, database: String, user: String) throws -> String? {
        var st = stat()
        guard stat(path, &st) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw PanoplyError.config("cannot read the password file \(path) (check that it exists and its permissions)")
        }
        guard st.st_mode & 0o077 == 0 else {
            throw PanoplyError.config("the password file \(path) may be read by others: chmod 600 \(path)")
        }
        let wanted = [host, String(port), database, user]
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = fields(of: String(line))
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    static func fields(of line: String) -> [String] {
        var out: [String] = [], field = "", escaped = false
        for c in line {
            if escaped {
                field.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == ":", out.count < 4 {
                out.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        out.append(field)
        return out
    }
}
