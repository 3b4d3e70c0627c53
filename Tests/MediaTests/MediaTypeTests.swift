import Testing

@testable import Media

/// Issue #7: the type comes from the bytes, never from the sender.
@Suite struct MediaTypeTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func sniffsEachType() {
        let png: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]
        #expect(MediaType.sniff(png) == .png)
        #expect(MediaType.sniff([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]) == .jpeg)
        #expect(MediaType.sniff(bytes("GIF89a\u{1}\0")) == .gif)
        #expect(MediaType.sniff(bytes("GIF87a\u{1}\0")) == .gif)
        #expect(MediaType.sniff(bytes("RIFF\u{10}\0\0\0WEBPVP8 ")) == .webp)
        #expect(MediaType.sniff(bytes("RIFF\u{10}\0\0\0WAVEfmt ")) == nil)
        #expect(MediaType.sniff(bytes("\0\0\0\u{18}ftypheic\0\0\0\0")) == .heic)
        #expect(MediaType.sniff(bytes("\0\0\0\u{18}ftypmif1\0\0\0\0")) == .heif)
        #expect(MediaType.sniff(bytes("\0\0\0\u{18}ftypisom\0\0\0\0")) == .mp4)
        #expect(MediaType.sniff(bytes("\0\0\0\u{18}ftypmp42\0\0\0\0")) == .mp4)
        #expect(MediaType.sniff(bytes("\0\0\0\u{18}ftyp3gp4\0\0\0\0")) == .threeGPP)
        #expect(MediaType.sniff(bytes("\0\0\0\u{18}ftypqt  \0\0\0\0")) == nil)
        #expect(MediaType.sniff(bytes("#!AMR\n\u{3c}")) == .amr)
        #expect(MediaType.sniff(bytes("#!AMR-WB\n")) == .amr)
        #expect(MediaType.sniff(bytes("ID3\u{4}\0\0")) == .mp3)
        #expect(MediaType.sniff([0xff, 0xfb, 0x90, 0x64]) == .mp3)
        #expect(MediaType.sniff([0xff, 0xfb, 0xf0, 0x64]) == nil, "bitrate index 15 is invalid")
        #expect(MediaType.sniff(bytes("BEGIN:VCARD\r\nVERSION:3.0\r\n")) == .vcard)
        #expect(MediaType.sniff([0xef, 0xbb, 0xbf] + bytes("\r\n begin:vcard\nFN:x")) == .vcard)
        #expect(MediaType.sniff(bytes("%PDF-1.7\n")) == .pdf)
        #expect(MediaType.sniff(bytes("II*\0\u{8}\0\0\0")) == .tiff)
        #expect(MediaType.sniff(bytes("MM\0*\0\0\0\u{8}")) == .tiff)
        var bmp = bytes("BM") + [UInt8](repeating: 0, count: 24)
        bmp[14] = 40
        #expect(MediaType.sniff(bmp) == .bmp)
    }

    @Test func refusesWhatItDoesNotKnow() {
        #expect(MediaType.sniff([]) == nil)
        #expect(MediaType.sniff(bytes("<html><script>alert(1)</script>")) == nil)
        #expect(MediaType.sniff(bytes("<?xml version=\"1.0\"?><svg/>")) == nil)
        #expect(MediaType.sniff(bytes("BMW is a car brand, not a bitmap")) == nil)
        #expect(MediaType.sniff(bytes("MZ\u{90}\0")) == nil)
        #expect(MediaType.sniff(bytes("BEGIN:VCARD\0binary")) == nil)
        #expect(MediaType.sniff([0x89, 0x50, 0x4e]) == nil, "a truncated signature is not the type")
    }

    @Test func imagesAndExtensions() {
        #expect(MediaType.png.isImage)
        #expect(MediaType.heic.isImage)
        #expect(!MediaType.pdf.isImage)
        #expect(!MediaType.vcard.isImage)
        #expect(MediaType.jpeg.fileExtension == "jpg")
        #expect(MediaType.vcard.fileExtension == "vcf")
    }
}
