import Foundation
import SwitchboardModels
import Testing

@testable import Transfer

/// Transfer's `offer.*` and `transfer.*` payloads, exactly as it writes them, read as the
/// shared contract types their consumers decode (``OfferChanged``, ``TransferChanged``:
/// session shows `offered` and the transfer in progress from them, docs/architecture.md
/// section 10.3). A field renamed or dropped on either side fails here, not in production.
@Suite("Transfer's offer and transfer events read as the contract")
struct TransferEventContractTests {
    let at = Date(timeIntervalSince1970: 1_772_000_000)

    func roundTrip<Payload: Decodable>(_ value: some Encodable, as type: Payload.Type) throws -> Payload {
        try SwitchboardJSON.decoder().decode(type, from: try SwitchboardJSON.encoder().encode(value))
    }

    @Test func aTransferOfferReadsWithItsTransferAndExpiry() throws {
        let (id, interaction, transfer) = (UUID(), UUID(), UUID())
        let record = OfferRecord(
            id: id, interactionID: interaction, agentID: "sam", kind: .transfer, state: .pending, expiresAt: at.addingTimeInterval(30),
            fromAgentID: "kate", fromAgentName: "Kate Lewis", transferID: transfer, createdAt: at, decidedAt: nil
        )
        let offer = try roundTrip(record.view(preview: nil), as: OfferChanged.self)
        #expect(
            offer
                == OfferChanged(
                    id: id.uuidString.lowercased(), interactionId: interaction.uuidString.lowercased(), agentId: "sam", kind: "transfer",
                    state: "pending", expiresAt: at.addingTimeInterval(30), fromAgent: .init(id: "kate", name: "Kate Lewis"),
                    transferId: transfer.uuidString.lowercased(), createdAt: at, decidedAt: nil
                ))
    }

    @Test func aDecidedRouteOfferReads() throws {
        var record = OfferRecord(
            id: UUID(), interactionID: UUID(), agentID: "kate", kind: .route, state: .pending, expiresAt: at, fromAgentID: nil,
            fromAgentName: nil, transferID: nil, createdAt: at, decidedAt: nil
        )
        record.state = .expired
        record.decidedAt = at.addingTimeInterval(30)
        let offer = try roundTrip(record.view(preview: nil), as: OfferChanged.self)
        #expect(offer.state == "expired" && offer.kind == "route" && offer.decidedAt == at.addingTimeInterval(30))
        #expect(offer.fromAgent == nil && offer.transferId == nil)
        #expect(OfferState.allCases.map(\.rawValue) == OfferChanged.states)
    }

    /// Transfer's events carry neither the target's name nor an expiry (the expiry is its
    /// offer's): both read as nil.
    @Test func aTransferReads() throws {
        let (id, interaction) = (UUID(), UUID())
        let record = TransferRecord(
            id: id, interactionID: interaction, fromAgentID: "kate", fromAgentName: "Kate Lewis", target: TransferTarget(type: .agent, id: "sam"),
            targetQueue: nil, note: "Billing", state: .pending, reason: nil, createdAt: at, decidedAt: nil
        )
        let transfer = try roundTrip(record.view, as: TransferChanged.self)
        #expect(
            transfer
                == TransferChanged(
                    id: id.uuidString.lowercased(), interactionId: interaction.uuidString.lowercased(), fromAgentId: "kate",
                    fromAgentName: "Kate Lewis", target: .init(type: "agent", id: "sam", name: nil), state: "pending", reason: nil,
                    expiresAt: nil, createdAt: at, decidedAt: nil
                ))
        #expect(TransferState.allCases.map(\.rawValue) == TransferChanged.states)
    }
}
