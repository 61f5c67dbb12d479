import ECGSignal
import Foundation

/// The WFDB readers: headers (with the signal files and segments they name), each signal file
/// format, and MIT-format annotations. Every read either gives a recording or throws a
/// `SignalFileError`; nothing may trap.
enum WFDBTargets {
    /// The header is the input; the record's directory holds the signal files and segment
    /// headers of the test fixtures, so headers naming them read real data.
    static let header = FuzzTarget(
        name: "wfdb-header", summary: "WFDB .hea parser and record reader (fixture signal files and segments)"
    ) { data in
        _ = fixtureFiles
        let url = Scratch.write(data, to: "record.hea")
        for resolution in WFDBResolution.allCases {
            expectSignalFileError { _ = try WFDB.readRecord(at: url, resolution: resolution) }
        }
        expectSignalFileError { _ = try WFDB.readRecord(at: url, signals: { _ in [0] }) }
    }

    /// The signal files and segment headers of `Tests/ECGSignalTests/Fixtures/wfdb`, copied
    /// into the scratch directory once.
    private static let fixtureFiles: Void = {
        let fm = FileManager.default
        for directory in ["Tests/ECGSignalTests/Fixtures/wfdb", "Tests/ECGSignalTests/Fixtures/wfdb/layouts"] {
            let names = (try? fm.contentsOfDirectory(atPath: Scratch.repository.appendingPathComponent(directory).path))
            for name in names ?? [] where name.hasSuffix(".dat") || name.hasSuffix(".hea") {
                Scratch.write(Scratch.fixture("\(directory)/\(name)"), to: name)
            }
        }
    }()

    /// The formats `signal` chooses from, by the input's first byte.
    static let formats = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524]

    /// The input's first three bytes choose a header (format, signal count, samples per frame,
    /// skew, byte offset, length, resolution: see `signalHeader`); the rest is the signal file.
    static let signal = FuzzTarget(
        name: "wfdb-signal", summary: "WFDB signal files: formats \(formats.map(String.init).joined(separator: ", "))"
    ) { data in
        guard data.count >= 3 else { return }
        let b = [UInt8](data.prefix(3))
        let (header, resolution) = signalHeader(b[0], b[1], b[2])
        Scratch.write(data.dropFirst(3), to: "signal.dat")
        let url = Scratch.write(Data(header.utf8), to: "signal.hea")
        expectSignalFileError { _ = try WFDB.readRecord(at: url, resolution: resolution) }
        expectSignalFileError { _ = try WFDB.readRecord(at: url, resolution: resolution, signals: { _ in [0] }) }
    }

    /// The header of `signal` for its first three input bytes:
    /// - `f`: the format, `formats[f % formats.count]`;
    /// - `g`: bits 0-1 the signal count less one, bits 2-3 signal 0's samples per frame less one
    ///   (all signals', for FLAC), bit 4 read every sample (else frame means), bit 5 state a
    ///   length (else the file's size gives it);
    /// - `h`: bits 0-2 the last signal's skew, bits 3-5 the byte offset (for FLAC, in samples),
    ///   and with bit 5 of `g` the length is `4 * h` frames.
    static func signalHeader(_ f: UInt8, _ g: UInt8, _ h: UInt8) -> (String, WFDBResolution) {
        let format = formats[Int(f) % formats.count]
        let count = 1 + Int(g & 3)
        let perFrame = 1 + Int(g >> 2 & 3)
        let resolution: WFDBResolution = g & 0x10 != 0 ? .signal : .frame
        let length = g & 0x20 != 0 ? " \(4 * Int(h))" : ""
        let skew = Int(h & 7)
        let offset = Int(h >> 3 & 7)
        var text = "signal \(count) 250\(length)\n"
        for i in 0..<count {
            let spf = i == 0 || format > 500 ? perFrame : 1
            let frame = spf > 1 ? "x\(spf)" : ""
            let skewed = i == count - 1 && skew > 0 ? ":\(skew)" : ""
            let offsetText = offset > 0 ? "+\(offset)" : ""
            text += "signal.dat \(format)\(frame)\(skewed)\(offsetText) 200(\(i))/mV\n"
        }
        return (text, resolution)
    }

    /// The annotation file is the input.
    static let annotations = FuzzTarget(name: "wfdb-atr", summary: "WFDB MIT-format annotations (.atr)") {
        data in
        expectSignalFileError { _ = try WFDB.parseAnnotations(data, path: "fuzz.atr") }
    }
}

/// Runs `body`, which may succeed or throw a `SignalFileError`; any other error fails the
/// property (the readers promise errors that name the file).
func expectSignalFileError(_ body: () throws -> Void) {
    do { try body() } catch is SignalFileError {} catch {
        propertyFailed("\(type(of: error)) is not a SignalFileError: \(error)")
    }
}
