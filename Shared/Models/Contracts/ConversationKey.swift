/// The key that identifies a conversation (customer number ↔ organisation number): the
/// unit of ordering, partitioning and session joining.
///
/// It travels as the AMQP `correlation_id` of `message.received` and is visible in the
/// broker's tools, so it is a hash of the two numbers, not the numbers themselves
/// (docs/architecture.md section 6: no phone numbers where operators browse). A collision only
/// makes two conversations share an ordering key (handled one after the other).
public enum ConversationKey {
    public static func make(customer: String, organisation: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(organisation)|\(customer)".utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "conv-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
