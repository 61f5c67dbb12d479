import Foundation
import JSON

/// The JSON parser against its serializer: whatever parses, serialized and parsed again, gives
/// the same value, and serializes to the same bytes.
enum JSONRoundTrip {
    static let target = FuzzTarget(
        name: "json", summary: "JSONParser: parse, serialize, parse again: equal"
    ) { data in
        guard let value = try? JSONParser.parse(data) else { return }
        let bytes = JSONSerializer.serialize(value)
        let again: JSONValue
        do { again = try JSONParser.parse(bytes) } catch {
            propertyFailed("the serialization of a parsed value does not parse: \(error)")
        }
        guard again == value else { propertyFailed("the value changed on the way round") }
        guard JSONSerializer.serialize(again) == bytes else { propertyFailed("serialization is not stable") }
    }
}
