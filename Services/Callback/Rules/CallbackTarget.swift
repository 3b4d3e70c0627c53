import Foundation

/// Who is to call back: one agent (`agent:kate`) or anyone in a queue (`queue:sales`).
///
/// Ids are the ones `transfer` uses for agents and queues; callback does not check them
/// against transfer (it owns no projection of agents), only their shape, so a callback can
/// be scheduled for an agent or queue created later.
struct CallbackTarget: Sendable, Codable, Equatable, Hashable {
    enum Kind: String, Sendable, Codable, Equatable, CaseIterable {
        case agent, queue
    }

    static let maxIDLength = 200

    var type: Kind
    var id: String

    init(type: Kind, id: String) {
        self.type = type
        self.id = id
    }

    /// A target from its two request fields; nil when either is missing or not valid.
    init?(type: String?, id: String?) {
        guard let type, let kind = Kind(rawValue: type), let id, Self.isValidID(id) else { return nil }
        self.init(type: kind, id: id)
    }

    /// `agent:kate` or `queue:sales` (the `target` query parameter); nil otherwise.
    init?(parameter: String) {
        let parts = parameter.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        self.init(type: String(parts[0]), id: String(parts[1]))
    }

    /// The `type:id` form.
    var parameter: String { "\(type.rawValue):\(id)" }

    /// Non-empty, at most 200 characters, no control characters or surrounding spaces.
    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= maxIDLength && id.trimmingCharacters(in: .whitespaces) == id
            && !id.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
