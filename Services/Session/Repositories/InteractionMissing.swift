import Foundation

/// The interaction an entry was appended to does not exist (a bug or a race with deletion).
struct InteractionMissing: Error, CustomStringConvertible {
    let id: UUID
    var description: String { "interaction \(id) does not exist" }
}
