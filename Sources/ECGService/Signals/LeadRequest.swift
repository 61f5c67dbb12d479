import ECGSignal
import JSONRPC

/// The leads a method wants from a signal, resolved against the signal's lead names once they
/// are known: for a file, from its header, before any sample is read, so that only the leads
/// asked for are decoded.
struct LeadRequest: Sendable {
    /// Maps the signal's lead names (in its order) to the indices wanted, in order.
    let resolve: @Sendable ([String]) throws(ServiceError) -> [Int]

    /// Every lead.
    static let all = LeadRequest { names throws(ServiceError) in Array(names.indices) }

    /// One lead from a `lead` parameter: an index, a lead name, or absent (`Recording.defaultLead`).
    static func one(_ value: JSONValue?, name: String = "params.lead") -> LeadRequest {
        LeadRequest { names throws(ServiceError) in [try index(value, in: names, name: name)] }
    }

    /// The leads of a `leads` parameter (an array of indices or names, or `"all"`), or else the
    /// one of `lead`; the two together are refused.
    static func several(lead: JSONValue?, leads: JSONValue?) throws(ServiceError) -> LeadRequest {
        switch (lead, leads) {
        case (_, nil), (_, .null?): return one(lead)
        case (let lead?, _?) where lead != .null:
            throw .invalidParams("params: give either \"lead\" or \"leads\", not both")
        case (_, .string("all")?): return all
        case (_, .array(let elements)?):
            guard !elements.isEmpty else { throw .invalidParams("params.leads: must not be empty") }
            return LeadRequest { names throws(ServiceError) in
                var chosen: [Int] = []
                for (i, element) in elements.enumerated() {
                    let index = try index(element, in: names, name: "params.leads[\(i)]")
                    guard !chosen.contains(index) else {
                        throw .invalidParams("params.leads[\(i)]: lead \(names[index]) is already listed")
                    }
                    chosen.append(index)
                }
                return chosen
            }
        case (_, let other?):
            throw .invalidParams(
                "params.leads: expected an array of lead indices or names, or \"all\", found \(other.typeName)")
        }
    }

    /// The index of the lead `value` names among `names` (`Recording.defaultLead` when absent).
    static func index(_ value: JSONValue?, in names: [String], name: String) throws(ServiceError) -> Int {
        switch value {
        case nil, .null?: return Recording.defaultLead(among: names)
        case .string(let leadName)?:
            guard let index = names.firstIndex(where: { $0.caseInsensitiveCompare(leadName) == .orderedSame }) else {
                throw .invalidParams("\(name): no lead named \"\(leadName)\" (leads: \(names.joined(separator: ", ")))")
            }
            return index
        case let number? where number.intValue != nil:
            let index = number.intValue!
            guard names.indices.contains(index) else {
                throw .invalidParams("\(name): lead \(index) does not exist (the signal has \(names.count) lead(s))")
            }
            return index
        case let other?:
            throw .invalidParams("\(name): expected a lead index or name, found \(other.typeName)")
        }
    }
}

/// Chooses a lead of a decoded recording from a `lead` parameter: an index, a lead name, or
/// absent (`Recording.defaultLead`).
enum LeadSelector {
    static func index(_ value: JSONValue?, in recording: Recording, name: String = "params.lead") throws(ServiceError)
        -> Int
    {
        try LeadRequest.index(value, in: recording.leadNames, name: name)
    }
}

/// A decoded signal holding the leads a `LeadRequest` chose, with their places in the source.
struct DecodedSignal: Sendable {
    /// The chosen leads, in the order asked for.
    var recording: Recording
    /// Index of each chosen lead in the source (file or payload).
    var leadIndices: [Int]
}
