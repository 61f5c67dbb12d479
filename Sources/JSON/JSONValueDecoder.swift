/// Decodes `Decodable` types from an already-parsed `JSONValue`.
///
/// Errors are `DecodingError`s whose coding path names the offending member;
/// `DecodingError.message(at:)` turns them into a message such as
/// `params.signal.fs: expected number, found string`.
public struct JSONValueDecoder: Sendable {
    /// Whether an object member that the decoded type has no coding key for is an error
    /// (`params.bogus: unknown member (expected one of ...)`). Types list their members in
    /// the message when their `CodingKeys` are `CaseIterable`.
    public var refusesUnknownMembers: Bool
    /// Members of the top-level object accepted (and ignored) besides the decoded type's own,
    /// such as JSON-RPC's `workDoneToken`.
    public var ignoredTopLevelMembers: Set<String>

    /// A decoder; by default members the type does not know are ignored, as `JSONDecoder` does.
    public init(refusesUnknownMembers: Bool = false, ignoredTopLevelMembers: Set<String> = []) {
        self.refusesUnknownMembers = refusesUnknownMembers
        self.ignoredTopLevelMembers = ignoredTopLevelMembers
    }

    /// Decodes a value of type `T` from `value`.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let options = Options(refusesUnknownMembers: refusesUnknownMembers, ignored: ignoredTopLevelMembers)
        return try T(from: ValueDecoder(value: value, codingPath: [], options: options))
    }
}

/// What a decoder checks, handed down the tree; `ignored` applies to the top level only.
private struct Options {
    var refusesUnknownMembers: Bool
    var ignored: Set<String>

    var nested: Options { Options(refusesUnknownMembers: refusesUnknownMembers, ignored: []) }
}

extension JSONValue {
    /// The member of `members` refused first (in name order) because `isKnown` does not know it:
    /// the one rule for unknown members, in typed params (`JSONValueDecoder`) and in objects read
    /// member by member.
    public static func firstUnknownMember(of members: [String: JSONValue], isKnown: (String) -> Bool) -> String? {
        members.keys.sorted().first { !isKnown($0) }
    }

    /// How an unknown member is refused: `unknown member (expected one of a, b, c)`, the known
    /// names sorted; just `unknown member` when they are not listed.
    public static func unknownMemberDescription(known: [String]?) -> String {
        "unknown member" + (known.map { " (expected one of \($0.sorted().joined(separator: ", ")))" } ?? "")
    }
}

extension DecodingError {
    /// The error as a message naming the member at fault under `root`, such as
    /// `params.signal.fs: expected number, found string` for root `params`.
    public func message(at root: String) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.reduce(root) { partial, key in
                key.intValue.map { "\(partial)[\($0)]" } ?? "\(partial).\(key.stringValue)"
            }
        }
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing required member"
        @unknown default:
            return "\(root): \(self)"
        }
    }
}

/// A string enumeration decoded from its raw value; an unknown value is refused with a message
/// listing the accepted ones (`unknown "jpeg" (expected png, svg, pdf)`).
public protocol JSONEnumeration: RawRepresentable<String>, CaseIterable, Decodable {}

extension JSONEnumeration {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(rawValue: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: unknownCase(name, of: Self.self))
        }
        self = value
    }
}

extension KeyedDecodingContainer {
    /// Decodes the string enumeration `T` (a type of another module, which cannot be made a
    /// `JSONEnumeration`) from `key`; nil when absent or null. An unknown value is refused with
    /// the accepted ones listed, as `JSONEnumeration` does.
    public func decodeEnumerationIfPresent<T: RawRepresentable<String> & CaseIterable>(_ type: T.Type, forKey key: Key)
        throws -> T?
    {
        guard let name = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = T(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: unknownCase(name, of: T.self))
        }
        return value
    }
}

private func unknownCase<T: RawRepresentable<String> & CaseIterable>(_ name: String, of type: T.Type) -> String {
    "unknown \"\(name)\" (expected \(T.allCases.map(\.rawValue).joined(separator: ", ")))"
}

/// A coding key for array positions and arbitrary member names, shared by the JSON coders.
struct JSONCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

private func mismatch(_ expected: String, _ value: JSONValue, _ path: [CodingKey]) -> DecodingError {
    DecodingError.typeMismatch(
        Any.self, .init(codingPath: path, debugDescription: "expected \(expected), found \(value.typeName)"))
}

private func number<T: BinaryInteger>(_ value: JSONValue, _ type: T.Type, _ path: [CodingKey]) throws -> T {
    guard case .number(let n) = value else { throw mismatch("integer", value, path) }
    guard n.rounded() == n, let exact = T(exactly: n) else {
        throw DecodingError.dataCorrupted(
            .init(codingPath: path, debugDescription: "expected integer in range of \(T.self), found \(n)"))
    }
    return exact
}

/// The member names of `Key`, when it lists them.
private func memberNames<Key: CodingKey>(_ type: Key.Type) -> [String]? {
    func names<All: CodingKey & CaseIterable>(_ type: All.Type) -> [String] { All.allCases.map(\.stringValue) }
    guard let listed = type as? any (CodingKey & CaseIterable).Type else { return nil }
    return names(listed)
}

private struct ValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [CodingKey]
    let options: Options
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch("object", value, codingPath) }
        if options.refusesUnknownMembers,
            let unknown = JSONValue.firstUnknownMember(
                of: members, isKnown: { Key(stringValue: $0) != nil || options.ignored.contains($0) })
        {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath + [JSONCodingKey(stringValue: unknown)],
                    debugDescription: JSONValue.unknownMemberDescription(
                        known: memberNames(type).map { $0 + options.ignored })))
        }
        return KeyedDecodingContainer(
            KeyedContainer<Key>(members: members, codingPath: codingPath, options: options.nested))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("array", value, codingPath) }
        return UnkeyedContainer(elements: elements, codingPath: codingPath, options: options.nested)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch("boolean", value, codingPath) }
        return b
    }
    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw mismatch("string", value, codingPath) }
        return s
    }
    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let n) = value else { throw mismatch("number", value, codingPath) }
        return n
    }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try number(value, type, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try number(value, type, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try number(value, type, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try number(value, type, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try number(value, type, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try number(value, type, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try number(value, type, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try number(value, type, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try number(value, type, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try number(value, type, codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == [Double].self {
            // Fast path for the large number arrays that signals are made of.
            guard case .array(let elements) = value else { throw mismatch("array of numbers", value, codingPath) }
            var out = [Double]()
            out.reserveCapacity(elements.count)
            for (i, element) in elements.enumerated() {
                guard case .number(let n) = element else {
                    throw mismatch("number", element, codingPath + [JSONCodingKey(intValue: i)])
                }
                out.append(n)
            }
            return out as! T
        }
        return try T(from: self)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [CodingKey]
    let options: Options

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func child(_ key: Key) throws -> ValueDecoder {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "missing required member \"\(key.stringValue)\""))
        }
        return ValueDecoder(value: value, codingPath: codingPath + [key], options: options)
    }

    func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decode(type) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).decode(type) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = members[key.stringValue], value != .null else { return nil }
        return try ValueDecoder(value: value, codingPath: codingPath + [key], options: options).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    { try child(key).container(keyedBy: type) }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }
    func superDecoder() throws -> Decoder {
        ValueDecoder(value: .object(members), codingPath: codingPath, options: options)
    }
    func superDecoder(forKey key: Key) throws -> Decoder { try child(key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [CodingKey]
    let options: Options
    var currentIndex = 0

    init(elements: [JSONValue], codingPath: [CodingKey], options: Options) {
        self.elements = elements
        self.codingPath = codingPath
        self.options = options
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "array has only \(elements.count) elements"))
        }
        defer { currentIndex += 1 }
        return ValueDecoder(
            value: elements[currentIndex], codingPath: codingPath + [JSONCodingKey(intValue: currentIndex)],
            options: options)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    { try next().container(keyedBy: type) }
    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> Decoder { try next() }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? container.decode(Double.self) {
            self = .number(n)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n): try container.encode(n)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}
