import JSONRPC

/// Reading a method's params object.
enum Params {
    /// The members of `params` (absent params read as an empty object), refusing members not
    /// in `known`; `workDoneToken` is always allowed.
    static func object(_ params: JSONValue?, known: Set<String>) throws(ServiceError) -> Fields {
        switch params {
        case nil, .null?: Fields(members: [:], name: "params")
        case let value?: try members(of: value, name: "params", known: known.union(["workDoneToken"]))
        }
    }

    /// The members of the object `value`, the parameter at path `name`, refusing members not in `known`.
    static func members(of value: JSONValue, name: String, known: Set<String>) throws(ServiceError) -> Fields {
        guard case .object(let members) = value else { throw .invalidParams("\(name): expected object, found \(value.typeName)") }
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidParams("\(name).\(unknown): unknown member (expected one of \(known.sorted().joined(separator: ", ")))")
        }
        return Fields(members: members, name: name)
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
        guard case .bool(let b) = value else { throw .invalidParams("\(name).\(key): expected boolean, found \(value.typeName)") }
        return b
    }
}

extension Fields {
    /// Optional R-peaks given by the caller: strictly increasing sample numbers in `0..<sampleCount`.
    func peaks(_ key: String, sampleCount: Int) throws(ServiceError) -> [Int]? {
        guard let value = members[key], value != .null else { return nil }
        guard case .array(let elements) = value else {
            throw .invalidParams("\(name).\(key): expected an array of sample numbers, found \(value.typeName)")
        }
        var peaks: [Int] = []
        peaks.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            guard let peak = element.intValue, peak >= 0, peak < sampleCount else {
                throw .invalidParams("\(name).\(key)[\(i)]: expected a sample number in 0..<\(sampleCount), found \(element)")
            }
            if let last = peaks.last, peak <= last {
                throw .invalidParams("\(name).\(key)[\(i)]: peaks must be strictly increasing (\(peak) after \(last))")
            }
            peaks.append(peak)
        }
        return peaks
    }
}
