import Testing

@testable import Contacts

@Suite("Email addresses: trimmed, domain lowercased, validated")
struct EmailNormalizerTests {
    let normalizer = EmailNormalizer()

    @Test func trimsAndLowercasesTheDomainOnly() throws {
        #expect(try normalizer.normalize("  Kate.Lewis@Example.COM \n") == "Kate.Lewis@example.com")
        #expect(try normalizer.normalize("kate+desk@Mail.Example.org") == "kate+desk@mail.example.org")
    }

    @Test func sameAddressWrittenDifferentlyNormalisesToOneString() throws {
        #expect(try normalizer.normalize("kate@EXAMPLE.com") == normalizer.normalize(" kate@example.COM"))
    }

    @Test func internationalDomainsAreLowercasedToo() throws {
        #expect(try normalizer.normalize("ana@MÜNCHEN.de") == "ana@münchen.de")
    }

    @Test(arguments: [
        ("", EmailNormalizer.Failure.empty),
        ("   ", .empty),
        ("kate.example.com", .missingAt),
        ("@example.com", .missingAt),
        ("kate@", .missingAt),
        ("ka te@example.com", .badLocalPart),
        (".kate@example.com", .badLocalPart),
        ("ka..te@example.com", .badLocalPart),
        ("kate@localhost", .badDomain),
        ("kate@example..com", .badDomain),
        ("kate@-example.com", .badDomain),
        ("kate@exa_mple.com", .badDomain),
    ])
    func refusesWhatIsNotAnAddress(raw: String, failure: EmailNormalizer.Failure) {
        #expect(throws: failure) { try normalizer.normalize(raw) }
    }

    @Test func refusesOverlongAddresses() {
        let local = String(repeating: "a", count: 65)
        #expect(throws: EmailNormalizer.Failure.badLocalPart) { try normalizer.normalize("\(local)@example.com") }
        let domain =
            String(repeating: "b", count: 63) + "." + String(repeating: "c", count: 63) + "." + String(repeating: "d", count: 63)
            + "." + String(repeating: "e", count: 63) + ".com"
        #expect(throws: EmailNormalizer.Failure.tooLong) { try normalizer.normalize("kate@\(domain)") }
    }
}
