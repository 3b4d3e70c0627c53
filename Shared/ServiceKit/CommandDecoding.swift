import Foundation
public import SwitchboardAMQP
public import SwitchboardDatabase
import SwitchboardModels

/// Decoding a command (plain JSON on `switchboard.commands`), with the dead-letter reason
/// when it is not one — the command counterpart of ``EventDecoding``.
public enum CommandDecoding {
    /// - Parameter name: the command's name for the reason (`media.fetch`).
    public static func decode<Command: Decodable>(
        _ type: Command.Type, named name: String, from delivery: AMQPDelivery
    ) throws(InvalidMessage) -> Command {
        do {
            return try SwitchboardJSON.decoder().decode(type, from: delivery.body)
        } catch let error as DecodingError {
            throw InvalidMessage(
                "not \(name.first.map { "aeiou".contains($0) } == true ? "an" : "a") \(name) command: \(DecodingErrorText.describe(error))")
        } catch {
            throw InvalidMessage("not valid JSON")
        }
    }
}
