import Metrics

/// The service's own metrics (no phone numbers or ids as labels), recorded after the
/// transaction that made the change committed.
enum ContactsMetrics {
    static func merged() {
        Counter(label: "switchboard_contacts_merges_total").increment()
    }

    static func undone() {
        Counter(label: "switchboard_contacts_merges_undone_total").increment()
    }

    static func assigned() {
        Counter(label: "switchboard_contacts_assignments_total").increment()
    }
}
