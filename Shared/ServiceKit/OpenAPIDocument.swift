public import Foundation
public import HTTPTypes

/// Loads a service's `openapi.yaml` resource (the source of truth for its HTTP shapes).
public enum OpenAPIDocument {
    public static func text(bundle: Bundle) -> String {
        guard let url = bundle.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\ninfo: {title: missing document, version: '0'}\npaths: {}\n" }
        return text
    }
}

extension HTTPField.Name {
    /// W3C Trace Context header.
    public static let traceparent = HTTPField.Name("traceparent")!
}
