import ECGSignal
import JSONRPC

/// Beats cut beforehand, as `classify` receives them in `params.beats`.
struct BeatsInput {
    var beats: [[Double]]
    /// Labels from the CSV's label column, if any.
    var labels: [String]?
    /// 1-based CSV line of each beat, for beats given as CSV text.
    var lines: [Int]?

    /// Reads one of: an array of beats (arrays of numbers); a base64 matrix
    /// `{"dtype", "encoding", "data", "beatLength" or "shape": [n, length]}` (the binary
    /// conventions of signals); or `{"csv": TEXT, "lastColumnIsLabel"?: true, "hasHeader"?}`.
    static func decode(_ value: JSONValue?, signals: SignalDecoder) throws(ServiceError) -> BeatsInput {
        let name = "params.beats"
        switch value {
        case .array(let rows)?:
            var beats: [[Double]] = []
            beats.reserveCapacity(rows.count)
            var total = 0
            for (i, row) in rows.enumerated() {
                guard case .array(let cells) = row else {
                    throw .invalidParams("\(name)[\(i)]: expected an array of numbers, found \(row.typeName)")
                }
                total += cells.count
                guard total <= signals.maxSamples else {
                    throw .payloadTooLarge("\(name): more than \(signals.maxSamples) values")
                }
                var beat = [Double](repeating: 0, count: cells.count)
                for (j, cell) in cells.enumerated() {
                    guard case .number(let x) = cell, x.isFinite else {
                        throw .invalidParams("\(name)[\(i)][\(j)]: expected a finite number, found \(cell)")
                    }
                    beat[j] = x
                }
                beats.append(beat)
            }
            return BeatsInput(beats: beats)
        case .object(let members)? where members["csv"] != nil:
            return try csv(members, name: name)
        case .object(let members)?:
            return try matrix(members, name: name, signals: signals)
        case nil, .null?:
            throw .invalidParams("\(name): missing required member")
        case let other?:
            throw .invalidParams("\(name): expected an array of beats or an object, found \(other.typeName)")
        }
    }

    private static func csv(_ members: [String: JSONValue], name: String) throws(ServiceError) -> BeatsInput {
        let fields = try Params.members(
            of: .object(members), name: name, known: ["csv", "lastColumnIsLabel", "hasHeader"],
            expected: "csv, lastColumnIsLabel, hasHeader")
        let text = try fields.requiredString("csv")
        let lastColumnIsLabel = try fields.bool("lastColumnIsLabel") ?? true
        do {
            let table = try BeatsCSVReader.parse(
                text, path: "\(name).csv", lastColumnIsLabel: lastColumnIsLabel, hasHeader: try fields.bool("hasHeader")
            )
            return BeatsInput(beats: table.beats, labels: table.labels, lines: table.lineNumbers)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .invalidParams(
                (error as? SignalFileError).map { "\(name).csv: \($0.message)" } ?? "\(name).csv: \(error)")
        }
    }

    private static func matrix(
        _ members: [String: JSONValue], name: String, signals: SignalDecoder
    ) throws(ServiceError) -> BeatsInput {
        let known = ["dtype", "encoding", "data", "beatLength", "shape"]
        let fields = try Params.members(
            of: .object(members), name: name, known: Set(known),
            expected: "an array of beats, {\"csv\": ...} or a base64 matrix with \(known.joined(separator: ", "))")
        guard case .string? = members["data"] else {
            throw .invalidParams("\(name).data: expected a base64 string")
        }
        var rowCount: Int?
        let length: Int
        switch (try fields.integer("beatLength"), members["shape"]) {
        case (let beatLength?, nil):
            length = beatLength
        case (nil, .array(let dims)?) where dims.count == 2 && dims.allSatisfy({ $0.intValue != nil }):
            rowCount = dims[0].intValue
            length = dims[1].intValue!
        case (nil, nil):
            throw .invalidParams("\(name): give \"beatLength\" or \"shape\": [beats, beatLength]")
        case (nil, _?):
            throw .invalidParams("\(name).shape: expected [beats, beatLength]")
        case (_?, _?):
            throw .invalidParams("\(name): give either \"beatLength\" or \"shape\", not both")
        }
        guard length >= 1 else { throw .invalidParams("\(name): beats must have at least one sample") }
        // The matrix decodes as a one-lead signal; the rate is a placeholder the decoder requires.
        var signal = members.filter { ["dtype", "encoding", "data"].contains($0.key) }
        signal["fs"] = 360
        let values = try signals.decode(.object(signal), name: name).leads[0]
        guard values.count % length == 0 else {
            throw .invalidParams("\(name).data: \(values.count) values do not divide into beats of \(length)")
        }
        if let rowCount, rowCount * length != values.count {
            throw .invalidParams("\(name).shape: [\(rowCount), \(length)] but data holds \(values.count) values")
        }
        let beats = stride(from: 0, to: values.count, by: length).map { Array(values[$0..<$0 + length]) }
        return BeatsInput(beats: beats)
    }
}
