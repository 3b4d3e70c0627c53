import SwitchboardModels

/// An interaction as session's HTTP API answers with it: the shared ``InteractionView`` (what
/// session's interaction events carry too) and, beside its keys in the same object, what the
/// API adds from session's projections (docs/architecture.md section 10.3): `transfer`, the
/// transfer in progress or `null`, always; `contact_history` on single reads only (it costs a
/// query), absent from lists.
struct InteractionResponse: Codable, Sendable, Equatable {
    var interaction: InteractionView
    var transfer: PendingTransferView?
    var contactHistory: ContactHistoryView?

    private enum CodingKeys: String, CodingKey {
        case transfer, contactHistory
    }

    init(interaction: InteractionView, transfer: PendingTransferView?, contactHistory: ContactHistoryView?) {
        self.interaction = interaction
        self.transfer = transfer
        self.contactHistory = contactHistory
    }

    init(from decoder: any Decoder) throws {
        interaction = try InteractionView(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        transfer = try container.decodeIfPresent(PendingTransferView.self, forKey: .transfer)
        contactHistory = try container.decodeIfPresent(ContactHistoryView.self, forKey: .contactHistory)
    }

    /// One object: the view's keys, then these (the encoder merges a second keyed container
    /// at the same level into the first).
    func encode(to encoder: any Encoder) throws {
        try interaction.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ExplicitNull(wrappedValue: transfer), forKey: .transfer)
        try container.encodeIfPresent(contactHistory, forKey: .contactHistory)
    }
}
