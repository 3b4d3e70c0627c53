import SwitchboardServiceKit

/// `contacts`: contacts, identification, history, merges and consent.
@main
struct ContactsApp {
    static func main() async throws {
        try await ServiceMain.run(Contacts.self)
    }
}
