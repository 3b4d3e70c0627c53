/// Delivery receipts can arrive out of order (`delivered` before `sent`); a part's status
/// only moves forward: queued < sent < delivered, and the failures (undelivered, failed)
/// are final unless the part is later reported delivered.
enum PartStatusOrder {
    static func rank(_ status: String) -> Int {
        switch status {
        case "queued": 0
        case "sent": 1
        case "undelivered", "failed": 2
        case "delivered": 3
        default: -1
        }
    }

    static func merge(current: String, incoming: String) -> String {
        rank(incoming) >= rank(current) ? incoming : current
    }
}
