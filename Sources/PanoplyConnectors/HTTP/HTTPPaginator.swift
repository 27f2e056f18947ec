import Foundation
import PanoplyKit

/// Decides which page comes next: pure, so every pagination style is tested without a
/// server. Its ``position`` is what the source saves as state.
struct HTTPPaginator: Sendable, Equatable {
    enum Style: String, Sendable { case none, page, cursor, linkHeader = "link-header" }

    /// Where the next request goes.
    enum Position: Sendable, Equatable {
        case first
        case page(Int)
        case cursor(String)
        case url(String)
        case done
    }

    var style: Style
    var baseURL: URL
    var pageParam = "page"
    var startPage = 1
    var pageSizeParam: String?
    var pageSize: Int?
    var cursorParam = "cursor"
    var cursorPath = "next_cursor"
    var position: Position = .first

    /// The URL of the request at ``position`` (nil when done).
    func url() -> URL? {
        switch position {
        case .done: return nil
        case .url(let u): return URL(string: u)
        case .first:
            return style == .page ? with([(pageParam, String(startPage))]) : with([])
        case .page(let p): return with([(pageParam, String(p))])
        case .cursor(let c): return with([(cursorParam, c)])
        }
    }

    /// Moves past a page that held `count` records.
    mutating func advance(body: JSONValue, linkHeader: String?, count: Int) {
        switch style {
        case .none:
            position = .done
        case .page:
            let current: Int
            if case .page(let p) = position { current = p } else { current = startPage }
            let short = pageSize.map { count < $0 } ?? false
            position = count == 0 || short ? .done : .page(current + 1)
        case .cursor:
            let next = body[path: cursorPath]
            switch next {
            case .string(let s) where !s.isEmpty: position = count == 0 && position == .cursor(s) ? .done : .cursor(s)
            case .number(let n): position = .cursor(n.text)
            default: position = .done
            }
        case .linkHeader:
            position = linkHeader.flatMap { Self.nextLink($0, relativeTo: url()) }.map { .url($0) } ?? .done
        }
    }

    /// The `rel="next"` target of a Link header (RFC 8288), resolved against the request URL.
    static func nextLink(_ header: String, relativeTo base: URL?) -> String? {
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let rels = pieces.dropFirst().filter { $0.lowercased().hasPrefix("rel=") }
                .flatMap { $0.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: " ") }
            guard rels.contains(where: { $0.lowercased() == "next" }) else { continue }
            let link = String(target.dropFirst().dropLast())
            return URL(string: link, relativeTo: base)?.absoluteString ?? link
        }
        return nil
    }

    private func with(_ items: [(String, String)]) -> URL? {
        guard var c = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else { return nil }
        var query = c.queryItems ?? []
        var extra = items
        if let pageSizeParam, let pageSize { extra.append((pageSizeParam, String(pageSize))) }
        for (k, v) in extra {
            query.removeAll { $0.name == k }
            query.append(URLQueryItem(name: k, value: v))
        }
        c.queryItems = query.isEmpty ? nil : query
        return c.url
    }

    /// The position as saved state.
    var stateValue: JSONValue {
        switch position {
        case .first: return ["at": "first"]
        case .page(let p): return ["page": .number(JSONNumber(p))]
        case .cursor(let c): return ["cursor": .string(c)]
        case .url(let u): return ["url": .string(u)]
        case .done: return ["at": "done"]
        }
    }

    /// Restores a saved position.
    mutating func restore(_ state: JSONValue?) {
        guard let o = state?.objectValue else { return }
        if let p = o["page"]?.intValue {
            position = .page(p)
        } else if let c = o["cursor"]?.stringValue {
            position = .cursor(c)
        } else if let u = o["url"]?.stringValue {
            position = .url(u)
        } else if o["at"]?.stringValue == "done" {
            position = .done
        }
    }
}
