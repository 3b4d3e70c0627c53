import Testing

@testable import Media

/// Issue #7: downloads get a safe name with the sniffed type's extension.
@Suite struct SafeFilenameTests {
    let id = "3f2a9c1e-0000-4000-8000-000000000000"

    @Test func keepsAPlainName() {
        #expect(SafeFilename.make(original: "holiday photo.jpg", mediaID: id, type: .jpeg) == "holiday_photo.jpg")
        #expect(SafeFilename.make(original: "scan-01.PDF", mediaID: id, type: .pdf) == "scan-01.pdf")
    }

    @Test func neverTrustsTheSendersExtensionOrPath() {
        #expect(SafeFilename.make(original: "invoice.exe", mediaID: id, type: .png) == "invoice.png")
        #expect(SafeFilename.make(original: "../../etc/passwd", mediaID: id, type: .vcard) == "passwd.vcf")
        #expect(SafeFilename.make(original: "C:\\Users\\x\\evil.html", mediaID: id, type: .gif) == "evil.gif")
        #expect(SafeFilename.make(original: "a\"; filename=b.html", mediaID: id, type: .jpeg) == "a_filename_b.jpg")
        #expect(SafeFilename.make(original: "name\r\nSet-Cookie: x", mediaID: id, type: .jpeg) == "name_Set-Cookie_x.jpg")
        #expect(SafeFilename.make(original: ".htaccess", mediaID: id, type: .pdf) == "htaccess.pdf")
        #expect(SafeFilename.make(original: "фото.jpg", mediaID: id, type: .jpeg) == "media-3f2a9c1e.jpg")
    }

    @Test func fallsBackToTheID() {
        #expect(SafeFilename.make(original: nil, mediaID: id, type: .mp4) == "media-3f2a9c1e.mp4")
        #expect(SafeFilename.make(original: "", mediaID: id, type: .amr) == "media-3f2a9c1e.amr")
        #expect(SafeFilename.make(original: "...", mediaID: id, type: .amr) == "media-3f2a9c1e.amr")
    }

    @Test func limitsTheLength() {
        let name = SafeFilename.make(original: String(repeating: "a", count: 500) + ".png", mediaID: id, type: .png)
        #expect(name.count == SafeFilename.maxBaseLength + 4)
    }

    @Test func contentDisposition() {
        #expect(SafeFilename.contentDisposition("a.jpg") == "attachment; filename=\"a.jpg\"")
    }
}
