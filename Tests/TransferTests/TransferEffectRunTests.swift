import Foundation
import Testing

@testable import Transfer

/// How a batch's effects are applied (``TransferEffectRun``): consecutive inbound messages
/// together, everything else on its own, in the deliveries' order.
@Suite("Transfer: a batch's effects in runs")
struct TransferEffectRunTests {
    static func message(_ text: String, _ interaction: UUID = UUID()) -> TransferEffect {
        .inboundMessage(InboundMessageAppended(interactionID: interaction, text: text, transcript: "{}"))
    }

    static let change = TransferEffect.change { _ in }

    /// Each run as `[texts]` for inbound messages and `change` for the others.
    static func shape(_ runs: [TransferEffectRun]) -> [String] {
        runs.map { run in
            switch run {
            case .change: "change"
            case .inboundMessages(let messages): "\(messages.map(\.text))"
            }
        }
    }

    @Test func consecutiveInboundMessagesAreOneRun() {
        let same = UUID()
        let runs = TransferEffectRun.runs(of: [Self.message("a", same), Self.message("b"), Self.message("c", same)])
        #expect(Self.shape(runs) == [#"["a", "b", "c"]"#])
    }

    @Test func anotherEffectBetweenThemSplitsTheRunAndKeepsTheOrder() {
        let runs = TransferEffectRun.runs(of: [
            Self.change, Self.message("a"), Self.message("b"), Self.change, Self.change, Self.message("c"),
        ])
        #expect(Self.shape(runs) == ["change", #"["a", "b"]"#, "change", "change", #"["c"]"#])
    }

    @Test func noEffectsNoRuns() {
        #expect(TransferEffectRun.runs(of: []).isEmpty)
        #expect(Self.shape(TransferEffectRun.runs(of: [Self.change])) == ["change"])
    }
}
