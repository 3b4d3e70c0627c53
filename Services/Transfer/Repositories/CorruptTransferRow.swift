/// A row whose enumerated columns hold a value the code does not know (the CHECK
/// constraints make this a bug, or a newer schema than this binary).
struct CorruptTransferRow: Error, CustomStringConvertible {
    let detail: String
    var description: String { "transfer row with unknown values: \(detail)" }
}
