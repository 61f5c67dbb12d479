import Foundation

/// The fixed and per-signal header of an EDF or EDF+ file.
public struct EDFHeader: Sendable, Equatable {
    /// Local patient identification (EDF+: code, sex, birthdate, name).
    public var patient: String
    /// Local recording identification (EDF+: `Startdate ...`).
    public var recording: String
    /// Start date as written, `dd.mm.yy`.
    public var startDate: String
    /// Start time as written, `hh.mm.ss`.
    public var startTime: String
    /// Size of the header in bytes (256 + 256 per signal).
    public var headerBytes: Int
    /// The reserved field: `EDF+C` or `EDF+D` for EDF+, usually blank for EDF.
    public var reserved: String
    /// Number of data records (from the file size when the header says -1).
    public var recordCount: Int
    /// Duration of one data record in seconds.
    public var recordDuration: Double
    /// One entry per signal, in file order.
    public var signals: [EDFSignalSpec]

    /// Whether the file is EDF+ (continuous or not).
    public var isEDFPlus: Bool { reserved.hasPrefix("EDF+") }
    /// Whether the file is discontinuous EDF+ (`EDF+D`), whose records have gaps between them.
    public var isDiscontinuous: Bool { reserved.hasPrefix("EDF+D") }
    /// Bytes in one data record (2 per sample).
    public var recordBytes: Int { signals.reduce(0) { $0 + 2 * $1.samplesPerRecord } }
}

/// The header of one EDF signal.
public struct EDFSignalSpec: Sendable, Equatable {
    /// Label, for example `ECG I` or `EDF Annotations`.
    public var label: String
    /// Transducer type, for example `AgAgCl electrode`.
    public var transducer: String
    /// Physical dimension (units), for example `uV` or `mV`.
    public var physicalDimension: String
    /// Physical value of `digitalMinimum`, in `physicalDimension`.
    public var physicalMinimum: Double
    /// Physical value of `digitalMaximum`.
    public var physicalMaximum: Double
    /// Smallest sample value the file stores (maps to `physicalMinimum`).
    public var digitalMinimum: Int
    /// Largest sample value the file stores (maps to `physicalMaximum`).
    public var digitalMaximum: Int
    /// Prefiltering, for example `HP:0.1Hz LP:75Hz`.
    public var prefiltering: String
    /// Samples of this signal in each data record.
    public var samplesPerRecord: Int

    /// Whether this is the EDF+ annotation channel.
    public var isAnnotations: Bool { label == "EDF Annotations" }

    /// Physical value of a digital sample (linear map of the digital range onto the physical range).
    public func physical(_ digital: Int) -> Double { physical(digital, scale: physicalScale) }

    /// Physical units per digital unit, the slope of `physical`.
    var physicalScale: Double { (physicalMaximum - physicalMinimum) / Double(digitalMaximum - digitalMinimum) }

    /// `physical(digital)`, given its `physicalScale` (computed once for many samples).
    @inline(__always)
    func physical(_ digital: Int, scale: Double) -> Double {
        physicalMinimum + Double(digital - digitalMinimum) * scale
    }
}

extension EDFHeader {
    /// Parses the header at the start of `data` (at least the header's bytes, or the whole
    /// file); `fileSize`, the size of the whole file, resolves a record count of -1 and reveals
    /// truncation; `path` names the file in errors.
    static func parse(_ data: Data, fileSize: Int, path: String) throws -> EDFHeader {
        func fail(_ message: String) -> SignalFileError { SignalFileError(path: path, message: message) }
        let bytes = [UInt8](data.prefix(256))
        guard bytes.count == 256 else {
            throw fail("truncated: \(fileSize) bytes, an EDF header needs at least 256")
        }
        func field(_ offset: Int, _ length: Int, in source: [UInt8]) -> String {
            String(decoding: source[offset..<(offset + length)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        if bytes[0] == 0xFF { throw fail("BDF (24-bit) files are not supported, only EDF and EDF+") }
        let version = field(0, 8, in: bytes)
        guard version == "0" else { throw fail("not an EDF file (version field \"\(version)\", expected \"0\")") }
        func integer(_ text: String, _ what: String) throws -> Int {
            guard let value = Int(text) else { throw fail("header: invalid \(what) \"\(text)\"") }
            return value
        }
        func real(_ text: String, _ what: String) throws -> Double {
            guard let value = Double(text), value.isFinite else { throw fail("header: invalid \(what) \"\(text)\"") }
            return value
        }
        let headerBytes = try integer(field(184, 8, in: bytes), "header size")
        let signalCount = try integer(field(252, 4, in: bytes), "number of signals")
        guard signalCount > 0 else { throw fail("header: no signals (number of signals \(signalCount))") }
        guard headerBytes == 256 * (signalCount + 1) else {
            throw fail(
                "header: size \(headerBytes) does not match \(signalCount) signals (expected \(256 * (signalCount + 1)))"
            )
        }
        guard fileSize >= headerBytes, data.count >= headerBytes else {
            throw fail("truncated: \(fileSize) bytes, the header alone needs \(headerBytes)")
        }
        let recordDuration = try real(field(244, 8, in: bytes), "data record duration")
        let all = [UInt8](data.prefix(headerBytes))
        var signals: [EDFSignalSpec] = []
        for s in 0..<signalCount {
            // Per-signal fields are stored field by field: all labels, then all transducers, ...
            func signalField(_ start: Int, _ length: Int) -> String {
                field(256 + start * signalCount + s * length, length, in: all)
            }
            let label = signalField(0, 16)
            func what(_ name: String) -> String { "\(name) of signal \(s + 1) (\(label))" }
            let spec = EDFSignalSpec(
                label: label, transducer: signalField(16, 80), physicalDimension: signalField(96, 8),
                physicalMinimum: try real(signalField(104, 8), what("physical minimum")),
                physicalMaximum: try real(signalField(112, 8), what("physical maximum")),
                digitalMinimum: try integer(signalField(120, 8), what("digital minimum")),
                digitalMaximum: try integer(signalField(128, 8), what("digital maximum")),
                prefiltering: signalField(136, 80),
                samplesPerRecord: try integer(signalField(216, 8), what("samples per record")))
            guard spec.samplesPerRecord > 0 else {
                throw fail("header: \(what("samples per record")) is \(spec.samplesPerRecord)")
            }
            guard spec.digitalMaximum > spec.digitalMinimum, spec.physicalMaximum != spec.physicalMinimum else {
                throw fail("header: \(what("digital or physical range")) is empty")
            }
            signals.append(spec)
        }
        var header = EDFHeader(
            patient: field(8, 80, in: bytes), recording: field(88, 80, in: bytes),
            startDate: field(168, 8, in: bytes), startTime: field(176, 8, in: bytes),
            headerBytes: headerBytes, reserved: field(192, 44, in: bytes),
            recordCount: try integer(field(236, 8, in: bytes), "number of data records"),
            recordDuration: recordDuration, signals: signals)

        let available = (fileSize - headerBytes) / header.recordBytes
        if header.recordCount == -1 {
            header.recordCount = available
        } else if header.recordCount < 0 {
            throw fail("header: invalid number of data records \(header.recordCount)")
        } else if header.recordCount > available {
            throw fail(
                "truncated: header says \(header.recordCount) data records of \(header.recordBytes) bytes, the file holds \(fileSize - headerBytes) bytes of data (\(available) whole records)"
            )
        }
        return header
    }
}
