import Foundation

/// Runs the QRS detector on a WFDB record and scores it against the record's reference
/// annotations, optionally after resampling (the project's evaluation convention).
public enum RecordEvaluation {
    /// The outcome for one record.
    public struct Result: Sendable {
        /// Record name (file name without extension).
        public var record: String
        /// Sampling rate the detector ran at.
        public var fs: Double
        /// Lead index used.
        public var lead: Int
        /// Detections, in samples at `fs`.
        public var detections: [Int]
        /// The detections scored against the reference annotations.
        public var score: BeatMatchScore
    }

    /// Reads `record` (a `.hea` path or the record path without extension) and its
    /// `annotator` file, resamples to `rate` when given, detects on `lead` (default
    /// `Recording.defaultLead`) and scores with `tolerance` seconds. Reference annotation samples are
    /// mapped to the new rate. Beats and detections in the first `scoreFrom` seconds are not
    /// counted. With `fuseLeads` every lead of the record takes part (`lead` first).
    public static func evaluate(
        record: URL, annotator: String = "atr", rate: Double? = nil, lead: Int? = nil,
        detector: QRSDetector = QRSDetector(), tolerance: Double = BeatScorer.defaultTolerance,
        scoreFrom: Double = 0, fuseLeads: Bool = false
    ) throws -> Result {
        let base = record.pathExtension == "hea" ? record.deletingPathExtension() : record
        var leadIndex = 0
        let recording = try WFDB.readRecord(at: base) { names in
            leadIndex = lead ?? Recording.defaultLead(among: names)
            guard names.indices.contains(leadIndex) else {
                throw SignalFileError(
                    url: base, message: "lead \(leadIndex) does not exist (record has \(names.count))")
            }
            return [leadIndex] + (fuseLeads ? names.indices.filter { $0 != leadIndex } : [])
        }
        var annotations = try WFDB.readAnnotations(at: base.appendingPathExtension(annotator))
        var leads = recording.leads
        var fs = recording.fs
        if let rate, rate != recording.fs {
            let resampler = try Resampler(from: recording.fs, to: rate)
            leads = leads.map(resampler.apply)
            fs = recording.fs * Double(resampler.up) / Double(resampler.down)
            annotations = annotations.map {
                var a = $0
                a.sample = resampler.mapIndex(a.sample)
                return a
            }
        }
        let detections = detector.analyze(leads: leads, fs: fs).peaks
        let score = BeatScorer.score(
            detections: detections, annotations: annotations, fs: fs, tolerance: tolerance,
            from: Int((scoreFrom * fs).rounded()))
        return Result(
            record: base.lastPathComponent, fs: fs, lead: leadIndex, detections: detections, score: score)
    }
}
