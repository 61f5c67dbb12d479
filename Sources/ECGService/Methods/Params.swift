import JSONRPC

/// Reading members of params whose JSON takes several shapes (a signal, a window, beats), which
/// a method's typed `Params` holds as `JSONValue`.
enum Params {
    /// The members of the object `value`, the parameter at path `name`, refusing members not in
    /// `known` by the rule typed params follow (`JSONValue.firstUnknownMember`); `expected`
    /// replaces the list of known members in that message when given.
    static func members(
        of value: JSONValue, name: String, known: Set<String>, expected: String? = nil
    ) throws(ServiceError) -> Fields {
        guard case .object(let members) = value else {
            throw .invalidParams("\(name): expected object, found \(value.typeName)")
        }
        if let unknown = JSONValue.firstUnknownMember(of: members, isKnown: known.contains) {
            let description =
                expected.map { "unknown member (expected \($0))" }
                ?? JSONValue.unknownMemberDescription(known: Array(known))
            throw .invalidParams("\(name).\(unknown): \(description)")
        }
        return Fields(members: members, name: name)
    }

    /// Optional R-peaks given by the caller in the parameter `name`: strictly increasing sample
    /// numbers in `0..<sampleCount`.
    static func peaks(_ value: JSONValue?, name: String, sampleCount: Int) throws(ServiceError) -> [Int]? {
        guard let value, value != .null else { return nil }
        guard case .array(let elements) = value else {
            throw .invalidParams("\(name): expected an array of sample numbers, found \(value.typeName)")
        }
        var peaks: [Int] = []
        peaks.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            guard let peak = element.intValue, peak >= 0, peak < sampleCount else {
                throw .invalidParams("\(name)[\(i)]: expected a sample number in 0..<\(sampleCount), found \(element)")
            }
            if let last = peaks.last, peak <= last {
                throw .invalidParams("\(name)[\(i)]: peaks must be strictly increasing (\(peak) after \(last))")
            }
            peaks.append(peak)
        }
        return peaks
    }
}

/// Typed access to the optional members of a parameter object, with path-naming errors.
struct Fields {
    let members: [String: JSONValue]
    let name: String

    func number(_ key: String) throws(ServiceError) -> Double? {
        guard let value = members[key], value != .null else { return nil }
        guard case .number(let n) = value else {
            throw .invalidParams("\(name).\(key): expected number, found \(value.typeName)")
        }
        return n
    }

    func integer(_ key: String) throws(ServiceError) -> Int? {
        guard let value = members[key], value != .null else { return nil }
        guard let n = value.intValue else { throw .invalidParams("\(name).\(key): expected integer, found \(value)") }
        return n
    }

    func string(_ key: String) throws(ServiceError) -> String? {
        guard let value = members[key], value != .null else { return nil }
        guard case .string(let s) = value else {
            throw .invalidParams("\(name).\(key): expected string, found \(value.typeName)")
        }
        return s
    }

    func strings(_ key: String) throws(ServiceError) -> [String]? {
        guard let value = members[key], value != .null else { return nil }
        guard case .array(let elements) = value else {
            throw .invalidParams("\(name).\(key): expected array of strings, found \(value.typeName)")
        }
        return try elements.map { (element: JSONValue) throws(ServiceError) -> String in
            guard case .string(let s) = element else {
                throw .invalidParams(
                    "\(name).\(key): expected array of strings, found an element of type \(element.typeName)")
            }
            return s
        }
    }
}

extension Fields {
    /// A required string member.
    func requiredString(_ key: String) throws(ServiceError) -> String {
        guard let value = try string(key) else { throw .invalidParams("\(name).\(key): missing required member") }
        return value
    }

    /// An optional boolean member.
    func bool(_ key: String) throws(ServiceError) -> Bool? {
        guard let value = members[key], value != .null else { return nil }
        guard case .bool(let b) = value else {
            throw .invalidParams("\(name).\(key): expected boolean, found \(value.typeName)")
        }
        return b
    }
}
