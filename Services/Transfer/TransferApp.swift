import SwitchboardServiceKit

/// `transfer`: agents, presence, routing offers and transfers.
@main
struct TransferApp {
    static func main() async throws {
        try await ServiceMain.run(Transfer.self)
    }
}
