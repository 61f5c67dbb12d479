import ECGSignal
import Foundation

/// The EDF reader and the delimited-text readers: every read gives a recording (or table) or
/// throws a `SignalFileError`; nothing may trap.
enum TextAndEDFTargets {
    /// The file is the input: its header, every signal, the first signal alone, and EDF+
    /// annotations.
    static let edf = FuzzTarget(name: "edf", summary: "EDF and EDF+ reader: header, signals, annotations") { data in
        let url = Scratch.write(data, to: "fuzz.edf")
        expectSignalFileError { _ = try EDFReader.readHeader(at: url) }
        expectSignalFileError { _ = try EDFReader.read(at: url) }
        expectSignalFileError { _ = try EDFReader.read(at: url, signals: { $0.isEmpty ? [] : [0] }) }
        expectSignalFileError { _ = try EDFReader.readAnnotations(at: url) }
    }

    /// The text is the input: as a signal CSV (every column, and the first by index), and as
    /// a beats CSV (strict and lenient).
    static let csv = FuzzTarget(name: "csv", summary: "CSV signal reader and beats CSV reader") { data in
        let url = Scratch.write(data, to: "fuzz.csv")
        expectSignalFileError { _ = try CSVSignalReader.read(at: url, fs: 250) }
        expectSignalFileError { _ = try CSVSignalReader.read(at: url, fs: 360, columns: [.index(0)]) }
        expectSignalFileError { _ = try BeatsCSVReader.read(at: url) }
        let text = String(decoding: data, as: UTF8.self)
        let (table, _) = BeatsCSVReader.check(text, lastColumnIsLabel: false)
        if table.beats.contains(where: { $0.count != table.beatLength }) {
            propertyFailed("the lenient beats reader kept rows of different lengths")
        }
    }
}
