import Foundation

extension SavedSource {
    /// The source without the id a workspace gave it: to compare a loaded source with one
    /// as the user typed it.
    package var withoutID: SavedSource {
        var source = self
        source.id = nil
        return source
    }

    /// `sources` with an id each: a source without one takes the id of the source of the
    /// same name in `known` (what the workspace held: a form saved again), else a new UUID;
    /// a repeated id is replaced by a new UUID for all but its first source.
    /// - Parameters:
    ///   - sources: the whole list being saved.
    ///   - known: the sources the workspace holds (or held when they were loaded).
    package static func withIDs(_ sources: [SavedSource], known: [SavedSource]) -> [SavedSource] {
        var byName: [String: String] = [:]
        for source in known { if let id = source.id, byName[source.name] == nil { byName[source.name] = id } }
        var given = Set(sources.compactMap(\.id))
        var seen = Set<String>()
        return sources.map { source in
            var source = source
            if source.id == nil, let id = byName[source.name], !given.contains(id) {
                source.id = id
                given.insert(id)
            }
            if source.id == nil || !seen.insert(source.id!).inserted {
                source.id = UUID().uuidString.lowercased()
                seen.insert(source.id!)
            }
            return source
        }
    }
}
