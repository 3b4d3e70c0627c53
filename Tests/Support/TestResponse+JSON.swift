import Foundation
public import HummingbirdTesting
import NIOCore

/// The body of a test response as text or JSON, for success answers that need no database
/// (health, the OpenAPI document, the SMS preview, the disposition codes).
extension TestResponse {
    /// The body as UTF-8 text.
    public var text: String { String(buffer: body) }

    /// The body as a JSON object, or nil when it is not one (use with `#require`).
    public var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
    }
}
