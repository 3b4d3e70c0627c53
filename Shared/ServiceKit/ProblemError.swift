public import HTTPTypes
public import Hummingbird

/// A service's refusal that knows its HTTP answer: throwing it from a route or a
/// transaction answers its ``problem`` as problem+json, with no translation in between.
///
/// Each service keeps one enum of its refusals (`CallbackError`, `TransferError`, …) that
/// conforms, so the commands speak in the domain's words and the HTTP status and stable
/// `code` of each refusal are written once.
public protocol ProblemError: HTTPResponseError, CustomStringConvertible {
    /// The problem+json this refusal answers.
    var problem: APIError { get }
}

extension ProblemError {
    public var status: HTTPResponse.Status { problem.status }

    public var description: String { problem.detail ?? problem.title }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try problem.response(from: request, context: context)
    }
}
