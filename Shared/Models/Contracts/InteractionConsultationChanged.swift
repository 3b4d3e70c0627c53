/// `data` of `interaction.consultation.started`, `.message` and `.ended` (docs/architecture.md
/// section 2): the consultation as `GET /v1/consultations/{id}` shows it once the change is
/// made and, for `.message` only, the internal transcript entry that was appended (as
/// `GET /v1/interactions/{id}` shows it in the transcript, `kind` `internal`).
///
/// Internal entries travel only here: they are never `interaction.message.appended`, which
/// other consumers take for messages exchanged with the customer.
public struct InteractionConsultationChanged: Codable, Sendable, Equatable {
    public var interactionId: String
    public var consultation: ConsultationView
    /// Present on `interaction.consultation.message` only (left out of the others).
    public var entry: TranscriptEntryView?

    public init(interactionId: String, consultation: ConsultationView, entry: TranscriptEntryView? = nil) {
        self.interactionId = interactionId
        self.consultation = consultation
        self.entry = entry
    }
}
