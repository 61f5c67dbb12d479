/// A value that builds its own `JSONValue`: `JSONValueEncoder` takes it as it is instead of
/// going through `Encodable`, which matters for results with thousands of small objects. Its
/// `Encodable` conformance encodes that same value, so it has one encoding, built once.
public protocol JSONValueRepresentable: Encodable {
    var jsonValue: JSONValue { get }
}

extension JSONValueRepresentable {
    public func encode(to encoder: Encoder) throws { try jsonValue.encode(to: encoder) }
}

/// Encodes `Encodable` values into a `JSONValue` tree, ready to be sent as a result.
public struct JSONValueEncoder: Sendable {
    /// An encoder; it has no options.
    public init() {}

    /// Encodes `value`. Non-finite floating-point numbers become `null`.
    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        if let value = value as? any JSONValueRepresentable { return value.jsonValue }
        let root = Slot()
        try value.encode(to: ValueEncoder(slot: root, codingPath: []))
        return root.value
    }
}

/// A mutable cell of the tree under construction; containers write into their slots lazily.
private final class Slot {
    enum Content {
        case value(JSONValue)
        case object([String: Slot])
        case array([Slot])
    }
    var content: Content = .value(.null)

    var value: JSONValue {
        switch content {
        case .value(let v): v
        case .object(let members): .object(members.mapValues(\.value))
        case .array(let elements): .array(elements.map(\.value))
        }
    }
}

private struct ValueEncoder: Encoder, SingleValueEncodingContainer {
    let slot: Slot
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = slot.content {} else { slot.content = .object([:]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if case .array = slot.content {} else { slot.content = .array([]) }
        return UnkeyedContainer(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { self }

    func set(_ value: JSONValue) { slot.content = .value(value) }
    func encodeNil() { set(.null) }
    func encode(_ value: Bool) { set(.bool(value)) }
    func encode(_ value: String) { set(.string(value)) }
    func encode(_ value: Double) { set(value.isFinite ? .number(value) : .null) }
    func encode(_ value: Float) { encode(Double(value)) }
    func encode(_ value: Int) { set(.number(Double(value))) }
    func encode(_ value: Int8) { set(.number(Double(value))) }
    func encode(_ value: Int16) { set(.number(Double(value))) }
    func encode(_ value: Int32) { set(.number(Double(value))) }
    func encode(_ value: Int64) { set(.number(Double(value))) }
    func encode(_ value: UInt) { set(.number(Double(value))) }
    func encode(_ value: UInt8) { set(.number(Double(value))) }
    func encode(_ value: UInt16) { set(.number(Double(value))) }
    func encode(_ value: UInt32) { set(.number(Double(value))) }
    func encode(_ value: UInt64) { set(.number(Double(value))) }

    func encode<T: Encodable>(_ value: T) throws {
        switch value {
        case let json as JSONValue: set(json)
        case let value as any JSONValueRepresentable: set(value.jsonValue)
        case let values as [any JSONValueRepresentable]: set(.array(values.map(\.jsonValue)))
        case let numbers as [Double]: set(.array(numbers.map { $0.isFinite ? .number($0) : .null }))
        case let numbers as [Int]: set(.array(numbers.map { .number(Double($0)) }))
        default: try value.encode(to: self)
        }
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let codingPath: [CodingKey]

    private func child(_ key: Key) -> ValueEncoder {
        guard case .object(var members) = slot.content else { preconditionFailure("keyed container over a non-object") }
        slot.content = .value(.null)  // release the slot's reference so the update happens in place
        let child = members[key.stringValue] ?? Slot()
        members[key.stringValue] = child
        slot.content = .object(members)
        return ValueEncoder(slot: child, codingPath: codingPath + [key])
    }

    func encodeNil(forKey key: Key) { child(key).encodeNil() }
    func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try child(key).encode(value) }
    func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try child(key).encode(value) }
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    { child(key).container(keyedBy: keyType) }
    func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer { child(key).unkeyedContainer() }
    func superEncoder() -> Encoder { ValueEncoder(slot: slot, codingPath: codingPath) }
    func superEncoder(forKey key: Key) -> Encoder { child(key) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let slot: Slot
    let codingPath: [CodingKey]

    var count: Int {
        if case .array(let elements) = slot.content { return elements.count }
        return 0
    }

    private func append() -> ValueEncoder {
        guard case .array(var elements) = slot.content else {
            preconditionFailure("unkeyed container over a non-array")
        }
        slot.content = .value(.null)  // release the slot's reference so the append happens in place
        let child = Slot()
        elements.append(child)
        slot.content = .array(elements)
        return ValueEncoder(slot: child, codingPath: codingPath + [JSONCodingKey(intValue: elements.count - 1)])
    }

    mutating func encodeNil() { append().encodeNil() }
    mutating func encode<T: Encodable>(_ value: T) throws { try append().encode(value) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        append().container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { append().unkeyedContainer() }
    mutating func superEncoder() -> Encoder { append() }
}
