import ECGSignal
import Foundation
import JSONRPC
import NIOCore

/// Turns a `signal` parameter into a `Recording`, validating everything a client can get wrong.
///
/// Three forms are accepted (protocol/README.md, "Signals"):
/// - inline numbers in millivolts: `{"fs": 360, "data": [..]}` or `"data": [[lead0..], [lead1..]]`;
/// - binary: `{"fs": 360, "dtype": "int16", "encoding": "gzip+base64", "data": "...", "leads": 2,
///   "gain": 200, "baseline": 1024}`, little-endian samples with leads interleaved;
/// - a file under the data root: `{"path": "mitdb/208"}` (WFDB, CSV or EDF).
public struct SignalDecoder: Sendable {
    /// Accepted sampling rates, in hertz.
    public static let samplingRates: ClosedRange<Double> = 50...5000
    /// `samplingRates` as messages write it: "50-5000 Hz".
    public static let samplingRatesText = "\(Int(samplingRates.lowerBound))-\(Int(samplingRates.upperBound)) Hz"
    /// Most samples (all leads together) one signal may hold.
    public static let defaultMaxSamples = 64 * 1024 * 1024

    /// The members of a `signal` object.
    static let members: Set<String> = [
        "fs", "data", "dtype", "encoding", "leads", "gain", "baseline", "path", "format", "column", "leadNames",
        "resolution",
    ]

    /// Where `signal.path` files are found.
    public let dataRoot: DataRoot
    /// Most bytes a `gzip+base64` signal may inflate to.
    public let maxDecompressedBytes: Int
    /// Most samples (all leads together) one signal may hold.
    public let maxSamples: Int

    /// A decoder with these limits.
    public init(dataRoot: DataRoot, maxDecompressedBytes: Int, maxSamples: Int = defaultMaxSamples) {
        self.dataRoot = dataRoot
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxSamples = maxSamples
    }

    /// Decodes `value`, the JSON of the parameter named `name` (used in error messages), with
    /// every lead.
    public func decode(_ value: JSONValue?, name: String = "params.signal") throws(ServiceError) -> Recording {
        try decode(value, name: name, leads: .all).recording
    }

    /// Decodes `value` with the leads `request` chooses; a file's other leads are not read.
    func decode(_ value: JSONValue?, name: String = "params.signal", leads request: LeadRequest) throws(ServiceError)
        -> DecodedSignal
    {
        guard let value else { throw .invalidParams("\(name): missing required member") }
        let fields = try Params.members(of: value, name: name, known: Self.members)
        let members = fields.members
        let decoded: DecodedSignal
        switch (members["path"], members["data"]) {
        case (nil, nil): throw .invalidParams("\(name): give either \"data\" or \"path\"")
        case (.some, .some): throw .invalidParams("\(name): give either \"data\" or \"path\", not both")
        case (let path?, nil):
            // Files may mark missing samples (WFDB's invalid-sample value reads as NaN); the
            // detector bridges such gaps, so only the shape is checked.
            decoded = try readFile(path, fields, request)
            try validate(decoded.recording, name: name, requireFinite: false)
        case (nil, let data?):
            if members["resolution"] != nil {
                throw .invalidParams("\(name).resolution: only applies to WFDB files")
            }
            decoded = try decodeData(data, fields, request)
            try validate(decoded.recording, name: name, requireFinite: true)
        }
        return decoded
    }

    // MARK: Inline and binary data

    private func decodeData(_ data: JSONValue, _ fields: Fields, _ request: LeadRequest) throws(ServiceError)
        -> DecodedSignal
    {
        let name = fields.name
        guard let fs = try fields.number("fs") else { throw .invalidParams("\(name).fs: missing required member") }
        try checkRate(fs, name: "\(name).fs")
        let leadNames = try fields.strings("leadNames")
        switch data {
        case .array(let elements):
            for binaryOnly in ["dtype", "encoding", "gain", "baseline"] where fields.members[binaryOnly] != nil {
                throw .invalidParams("\(name).\(binaryOnly): only applies to binary data (a base64 string)")
            }
            let leads: [[Double]]
            if case .array? = elements.first {
                leads = try elements.enumerated().map { (i, lead) throws(ServiceError) in
                    try numbers(lead, name: "\(name).data[\(i)]")
                }
            } else {
                leads = [try numbers(data, name: "\(name).data")]
            }
            if let declared = try fields.integer("leads"), declared != leads.count {
                throw .invalidParams("\(name).leads: says \(declared) but data has \(leads.count) lead(s)")
            }
            let all = Recording(fs: fs, leads: leads, leadNames: try names(leadNames, count: leads.count, name: name))
            let chosen = try request.resolve(all.leadNames)
            var recording = all
            recording.leads = chosen.map { all.leads[$0] }
            recording.leadNames = chosen.map { all.leadNames[$0] }
            recording.units = chosen.map { all.units[$0] }
            return DecodedSignal(recording: recording, leadIndices: chosen)
        case .string(let text):
            let leadCount = try fields.integer("leads") ?? 1
            guard leadCount >= 1 else { throw .invalidParams("\(name).leads: must be at least 1") }
            let allNames = try names(leadNames, count: leadCount, name: name) ?? (0..<leadCount).map { "lead\($0)" }
            let chosen = try request.resolve(allNames)
            let leads = try decodeBinary(text, fields, leadCount: leadCount, chosen: chosen)
            return DecodedSignal(
                recording: Recording(fs: fs, leads: leads, leadNames: chosen.map { allNames[$0] }), leadIndices: chosen)
        default:
            throw .invalidParams(
                "\(name).data: expected an array of numbers, an array of leads or a base64 string, found \(data.typeName)"
            )
        }
    }

    private func names(_ names: [String]?, count: Int, name: String) throws(ServiceError) -> [String]? {
        guard let names else { return nil }
        guard names.count == count else {
            throw .invalidParams("\(name).leadNames: \(names.count) name(s) for \(count) lead(s)")
        }
        return names
    }

    private func numbers(_ value: JSONValue, name: String) throws(ServiceError) -> [Double] {
        guard case .array(let elements) = value else {
            throw .invalidParams("\(name): expected an array of numbers, found \(value.typeName)")
        }
        guard elements.count <= maxSamples else {
            throw .payloadTooLarge("\(name): \(elements.count) samples exceed the limit of \(maxSamples)")
        }
        var out = [Double]()
        out.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            guard case .number(let x) = element else {
                throw .invalidParams("\(name)[\(i)]: expected number, found \(element.typeName)")
            }
            out.append(x)
        }
        return out
    }

    /// Sample types of binary data.
    enum SampleType: String, CaseIterable {
        case int16, int32, float32, float64
        var size: Int {
            switch self {
            case .int16: 2
            case .int32, .float32: 4
            case .float64: 8
            }
        }

        /// Fills `out` with `scale` of each sample of lead `lead` of `leadCount` interleaved
        /// little-endian samples in `raw` (one type test per call, not per sample).
        func load(
            _ raw: UnsafeRawBufferPointer, leadCount: Int, lead: Int, into out: UnsafeMutableBufferPointer<Double>,
            scale: (Double) -> Double
        ) {
            func fill<T: BitwiseCopyable>(_: T.Type, _ value: (T) -> Double) {
                for s in out.indices {
                    out[s] = scale(value(raw.loadUnaligned(fromByteOffset: (s * leadCount + lead) * size, as: T.self)))
                }
            }
            switch self {
            case .int16: fill(Int16.self) { Double(Int16(littleEndian: $0)) }
            case .int32: fill(Int32.self) { Double(Int32(littleEndian: $0)) }
            case .float32: fill(UInt32.self) { Double(Float(bitPattern: UInt32(littleEndian: $0))) }
            case .float64: fill(UInt64.self) { Double(bitPattern: UInt64(littleEndian: $0)) }
            }
        }
    }

    /// The leads `chosen` of `leadCount` interleaved in binary `text`.
    private func decodeBinary(_ text: String, _ fields: Fields, leadCount: Int, chosen: [Int]) throws(ServiceError)
        -> [[Double]]
    {
        let name = fields.name
        guard let dtypeName = try fields.string("dtype") else {
            throw .invalidParams("\(name).dtype: required for binary data (one of int16, int32, float32, float64)")
        }
        guard let dtype = SampleType(rawValue: dtypeName) else {
            throw .invalidParams("\(name).dtype: unknown \"\(dtypeName)\" (expected int16, int32, float32 or float64)")
        }
        let encoding = try fields.string("encoding") ?? "base64"
        guard encoding == "base64" || encoding == "gzip+base64" else {
            throw .invalidParams("\(name).encoding: unknown \"\(encoding)\" (expected base64 or gzip+base64)")
        }
        let gain = try fields.number("gain") ?? 1
        guard gain != 0 else { throw .invalidParams("\(name).gain: must not be zero") }
        let baseline = try fields.number("baseline") ?? 0
        // Line breaks (as Python's base64.encodebytes writes them) are tolerated, nothing else.
        let decoded =
            Base64Parts.decode(text)
            ?? Data(
                base64Encoded: String(
                    decoding: text.utf8.filter { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 }, as: UTF8.self))
        guard var bytes = decoded else { throw .invalidParams("\(name).data: not valid base64") }
        if encoding == "gzip+base64" {
            do throws(GunzipError) {
                let inflated = try gunzip(ByteBuffer(bytes: bytes), limit: maxDecompressedBytes, what: "\(name).data")
                bytes = Data(inflated.readableBytesView)
            } catch {
                switch error {
                case .tooLarge(let message): throw .payloadTooLarge(message)
                case .invalid(let message): throw .invalidParams(message)
                }
            }
        }
        guard bytes.count % dtype.size == 0 else {
            throw .invalidParams(
                "\(name).data: \(bytes.count) bytes is not a whole number of \(dtype.rawValue) samples")
        }
        let total = bytes.count / dtype.size
        guard total <= maxSamples else {
            throw .payloadTooLarge("\(name).data: \(total) samples exceed the limit of \(maxSamples)")
        }
        guard total % leadCount == 0 else {
            throw .invalidParams("\(name).data: \(total) samples do not divide into \(leadCount) leads")
        }
        let perLead = total / leadCount
        return bytes.withUnsafeBytes { raw in
            chosen.map { source in
                [Double](unsafeUninitializedCapacity: perLead) { lead, initialized in
                    dtype.load(raw, leadCount: leadCount, lead: source, into: lead) { ($0 - baseline) / gain }
                    initialized = perLead
                }
            }
        }
    }

    // MARK: Files

    private func readFile(_ value: JSONValue, _ fields: Fields, _ request: LeadRequest) throws(ServiceError)
        -> DecodedSignal
    {
        let name = fields.name
        guard case .string(let path) = value else {
            throw .invalidParams("\(name).path: expected string, found \(value.typeName)")
        }
        let format: SignalFileFormat
        if let given = try fields.string("format") {
            guard let known = SignalFileFormat(rawValue: given.lowercased()) else {
                throw .invalidParams("\(name).format: unknown \"\(given)\" (expected wfdb, csv or edf)")
            }
            format = known
        } else {
            format = SignalFileFormat(path: path)
        }
        if format != .wfdb, fields.members["resolution"] != nil {
            throw .invalidParams("\(name).resolution: only applies to WFDB files")
        }
        let resolution =
            try fields.string("resolution").map { (text) throws(ServiceError) -> WFDBResolution in
                guard let value = WFDBResolution(rawValue: text) else {
                    throw .invalidParams("\(name).resolution: unknown \"\(text)\" (expected frame or signal)")
                }
                return value
            } ?? .frame
        var fs: Double?
        if format == .csv {
            guard let given = try fields.number("fs") else {
                throw .invalidParams("\(name).fs: required for CSV files (they carry no sampling rate)")
            }
            try checkRate(given, name: "\(name).fs")
            fs = given
        }
        let column = try fields.string("column")
        // A WFDB record is found by its header, whatever the client named.
        let ext = (path as NSString).pathExtension.lowercased()
        let file =
            format != .wfdb
            ? path
            : ext == "hea" ? path : ext == "dat" ? (path as NSString).deletingPathExtension + ".hea" : path + ".hea"
        let url = try dataRoot.resolve(file, reportedAs: path, parameter: "\(name).path")
        try requireFile(url, path: path, name: name)
        // The readers call back with the file's lead names; the indices chosen are kept here.
        let chosen = ChosenLeads(request)
        do {
            let recording = try format.read(
                at: url, fs: fs, column: column, resolution: resolution, signals: chosen.resolve)
            return DecodedSignal(recording: recording, leadIndices: chosen.indices)
        } catch let error as ServiceError {
            throw error
        } catch {
            // Reader errors name the file relative to the server; report the client's path
            // instead, and the file's name when it is another file of the record.
            guard let problem = error as? SignalFileError else {
                throw .fileUnreadable("\(name).path: \"\(path)\": \(error)")
            }
            let file = URL(fileURLWithPath: problem.path).lastPathComponent
            let named = [(path as NSString).lastPathComponent, (path as NSString).lastPathComponent + ".hea"].contains(
                file)
            throw .fileUnreadable("\(name).path: \"\(path)\": \(named ? "" : "\(file): ")\(problem.message)")
        }
    }

    private func requireFile(_ url: URL, path: String, name: String) throws(ServiceError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .fileNotFound("\(name).path: \"\(path)\" does not exist under the data root")
        }
    }

    // MARK: Validation

    private func checkRate(_ fs: Double, name: String) throws(ServiceError) {
        guard Self.samplingRates.contains(fs) else {
            throw .unsupportedSignal(
                "\(name): sampling rate \(fs) Hz is outside the supported \(Self.samplingRatesText)")
        }
    }

    private func validate(_ recording: Recording, name: String, requireFinite: Bool) throws(ServiceError) {
        try checkRate(recording.fs, name: "\(name).fs")
        guard !recording.leads.isEmpty, recording.sampleCount > 0 else {
            throw .invalidParams("\(name): the signal is empty")
        }
        for (l, lead) in recording.leads.enumerated() {
            guard lead.count == recording.sampleCount else {
                throw .invalidParams(
                    "\(name).data: leads have different lengths (\(recording.sampleCount) and \(lead.count))")
            }
            if requireFinite, let bad = lead.firstIndex(where: { !$0.isFinite }) {
                throw .invalidParams("\(name).data: lead \(l) has a non-finite value (\(lead[bad])) at sample \(bad)")
            }
        }
    }
}

/// Resolves a `LeadRequest` when a reader calls back with the file's lead names, and keeps the
/// indices chosen.
private final class ChosenLeads {
    let request: LeadRequest
    private(set) var indices: [Int] = []

    init(_ request: LeadRequest) { self.request = request }

    func resolve(_ names: [String]) throws -> [Int] {
        indices = try request.resolve(names)
        return indices
    }
}
