import ECGSignal
import JSONRPC

/// Classifies an editor's CSV document with the `classify` method's own code: a beats CSV as
/// beats cut beforehand, a raw ECG CSV as a recording (detect, cut, classify).
struct DocumentAnalyzer: Sendable {
    let classify: Classify
    let registry: ModelRegistry

    /// Analyses `text`. Problems a user can fix (no model fits, a bad sampling rate) become the
    /// analysis's note; only cancellation is thrown.
    func analyse(_ text: String, settings: DocumentSettings) async throws -> DocumentAnalysis {
        var analysis = DocumentAnalysis()
        analysis.lineLengths = Self.lineLengths(text)
        guard let head = CSVHead(text) else { return analysis }
        do {
            if head.isBeatsTable {
                try await analyseBeats(text, head: head, settings: settings, into: &analysis)
            } else {
                try await analyseRecording(text, head: head, settings: settings, into: &analysis)
            }
        } catch let error as ServiceError {
            analysis.note = error.responseError.message
        } catch let note as Note {
            analysis.note = note.message
        }
        return analysis
    }

    /// Why a document is not classified.
    private struct Note: Error {
        var message: String
    }

    private func analyseBeats(
        _ text: String, head: CSVHead, settings: DocumentSettings, into analysis: inout DocumentAnalysis
    ) async throws {
        analysis.kind = .beats
        let installed = settings.model == nil ? await candidates() : []
        guard let name = settings.model ?? ModelChoice.forBeats(width: head.width, installed: installed) else {
            throw Note(
                message:
                    "no installed model takes beats of \(head.width) or \(head.width - 1) samples; set one with initializationOptions.model"
            )
        }
        let model = try await registry.model(named: name)
        let lengths = model.recipe.acceptedBeatLengths
        guard let length = lengths.first(where: { head.width == $0 || head.width == $0 + 1 }) else {
            let expected = lengths.map(String.init).joined(separator: " or ")
            throw Note(
                message:
                    "rows have \(head.width) values, but model \"\(name)\" takes beats of \(expected) samples (and an optional label column)"
            )
        }
        guard model.recipe.featureCount == 0 else {
            throw Note(message: "model \"\(name)\" needs RR features, which a beats CSV does not carry")
        }
        let (table, issues) = try await classify.work.run {
            BeatsCSVReader.check(text, lastColumnIsLabel: head.width == length + 1, hasHeader: head.header != nil)
        }
        analysis.issues = issues
        analysis.model = name
        analysis.classes = model.classes
        guard !table.beats.isEmpty else { return }
        let result = try await classify.classify(
            beats: BeatsInput(beats: table.beats, labels: table.labels, lines: table.lineNumbers), truth: nil,
            features: [], model: model, progress: nil)
        analysis.beats = result.beats.enumerated().map { i, beat in
            DocumentAnalysis.Beat(
                line: table.lineNumbers[i], label: beat.label, probability: beat.probability,
                probabilities: beat.probabilities.values, fileLabel: table.labels?[i])
        }
    }

    private func analyseRecording(
        _ text: String, head: CSVHead, settings: DocumentSettings, into analysis: inout DocumentAnalysis
    ) async throws {
        analysis.kind = .recording
        let column: Int
        if let wanted = settings.column {
            guard let index = head.column(named: wanted) else {
                throw Note(
                    message:
                        "no column named \"\(wanted)\" (columns: \(head.header?.joined(separator: ", ") ?? "none named"))"
                )
            }
            column = index
        } else {
            column = head.ecgColumn
        }
        let fs = settings.fs ?? head.timeColumnRate ?? DocumentSettings.defaultFS
        guard SignalDecoder.samplingRates.contains(fs) else {
            throw Note(
                message:
                    "sampling rate \(fs) Hz is outside \(SignalDecoder.samplingRatesText); set initializationOptions.fs"
            )
        }
        let installed = settings.model == nil ? await candidates() : []
        guard let name = settings.model ?? ModelChoice.forRecording(installed: installed) else {
            throw Note(message: "no model is installed")
        }
        let model = try await registry.model(named: name)
        let (table, issues) = try await classify.work.run {
            BeatsCSVReader.check(text, lastColumnIsLabel: false, hasHeader: head.header != nil)
        }
        analysis.issues = issues
        analysis.model = name
        analysis.classes = model.classes
        analysis.sampleLines = table.lineNumbers
        guard !table.beats.isEmpty else { return }
        let samples = table.beats.map { $0[column] }
        let recording = Recording(fs: fs, leads: [samples], leadNames: [head.header?[column] ?? "column\(column)"])
        let peaks = try await classify.work.run { QRSDetector().detect(samples, fs: fs) }
        let result = try await classify.classify(
            LeadPeaks(recording: recording, lead: 0, peaks: peaks), model: model, progress: nil)
        let order = Dictionary(uniqueKeysWithValues: peaks.enumerated().map { ($1, $0) })
        analysis.beats = result.beats.map { beat in
            let sample = beat.sample!
            let i = order[sample]!
            return DocumentAnalysis.Beat(
                line: table.lineNumbers[sample], label: beat.label, probability: beat.probability,
                probabilities: beat.probabilities.values, sample: sample, time: beat.time,
                rrBefore: i > 0 ? Double(sample - peaks[i - 1]) / fs : nil,
                rrAfter: i + 1 < peaks.count ? Double(peaks[i + 1] - sample) / fs : nil)
        }
    }

    /// The installed models, as `ModelChoice` sees them.
    private func candidates() async -> [ModelChoice.Candidate] {
        await registry.listing().map { ModelChoice.Candidate(name: $0.name, windowLength: $0.inputSpec?.windowLength) }
    }

    /// UTF-16 length of every line; lines end at LF, CRLF or CR, as the CSV readers split them.
    /// Counted on the UTF-8 bytes: continuation bytes add nothing, a 4-byte sequence adds two.
    static func lineLengths(_ text: String) -> [Int] {
        var lengths: [Int] = []
        var current = 0
        var previousCR = false
        for byte in text.utf8 {
            switch byte {
            case 0x0A:
                if !previousCR { lengths.append(current) }
                current = 0
                previousCR = false
            case 0x0D:
                lengths.append(current)
                current = 0
                previousCR = true
            default:
                if byte & 0xC0 != 0x80 { current += byte >= 0xF0 ? 2 : 1 }
                previousCR = false
            }
        }
        lengths.append(current)
        return lengths
    }
}
