/// The key that identifies a conversation (customer number ↔ organisation number): the
/// unit of ordering, partitioning and session joining.
public enum ConversationKey {
    public static func make(customer: String, organisation: String) -> String {
        "\(organisation)|\(customer)"
    }
}
