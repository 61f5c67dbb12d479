/// Which model analyses a document when none is configured.
///
/// 1. Rows of 187 values (the Kachuee heartbeat CSVs, with or without a label column):
///    `kachuee187-binary`. Rows of 360 values (MIT-BIH windows) and raw ECG: `mitbih-aami5`.
/// 2. If that model is not installed: the first installed model (by name) whose beats are as
///    long as the rows (beats CSVs), or whose windows are 360 samples, else any model (raw ECG).
enum ModelChoice {
    /// The model a beats CSV of rows `width` cells wide prefers, if any.
    static func preferred(beatsWidth width: Int) -> String? {
        switch width {
        case 187, 188: "kachuee187-binary"
        case 360, 361: "mitbih-aami5"
        default: nil
        }
    }

    /// The model raw ECG prefers.
    static let preferredForRecordings = "mitbih-aami5"

    /// An installed model as the choice sees it.
    struct Candidate: Equatable {
        var name: String
        var windowLength: Int?
    }

    /// The model for a beats CSV whose rows are `width` cells wide, among `installed`.
    static func forBeats(width: Int, installed: [Candidate]) -> String? {
        if let preferred = preferred(beatsWidth: width), installed.contains(where: { $0.name == preferred }) {
            return preferred
        }
        // Rows may carry a label column: a model for `width` values first, then for `width - 1`.
        for length in [width, width - 1] {
            if let fit = installed.first(where: { $0.windowLength == length }) { return fit.name }
        }
        return nil
    }

    /// The model for a raw ECG CSV, among `installed`.
    static func forRecording(installed: [Candidate]) -> String? {
        if installed.contains(where: { $0.name == preferredForRecordings }) { return preferredForRecordings }
        return installed.first(where: { $0.windowLength == 360 })?.name ?? installed.first?.name
    }
}
