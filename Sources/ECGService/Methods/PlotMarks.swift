import ECGPlot
import ECGSignal
import Foundation
import JSONRPC

/// What `plotSegment` marks on a recording: its R-peaks with their labels, and the reference
/// annotations.
enum PlotMarks {
    /// The R-peaks with `params.labels` (one class name per peak) and `params.probabilities`
    /// (one number in [0, 1] per peak), when given.
    static func given(peaks: [Int], _ fields: Fields) throws(ServiceError) -> [BeatMark] {
        let labels = try fields.strings("labels")
        if let labels, labels.count != peaks.count {
            throw .invalidParams("params.labels: \(labels.count) labels for \(peaks.count) R-peaks")
        }
        var probabilities: [Double]?
        if let value = fields.members["probabilities"], value != .null {
            guard labels != nil else { throw .invalidParams("params.probabilities: only applies with labels") }
            guard case .array(let elements) = value, elements.count == peaks.count else {
                throw .invalidParams("params.probabilities: expected one number per R-peak (\(peaks.count))")
            }
            probabilities = try elements.enumerated().map { (i, element) throws(ServiceError) -> Double in
                guard case .number(let p) = element, p >= 0, p <= 1 else {
                    throw .invalidParams("params.probabilities[\(i)]: expected a number in [0, 1], found \(element)")
                }
                return p
            }
        }
        return peaks.indices.map { BeatMark(sample: peaks[$0], label: labels?[$0], probability: probabilities?[$0]) }
    }

    /// The R-peaks labelled as `classify` labelled them; beats it skipped (too close to an edge)
    /// stay unlabelled.
    static func classified(peaks: [Int], _ result: ClassifyResult) -> [BeatMark] {
        var bySample: [Int: ClassifiedBeat] = [:]
        for beat in result.beats { if let sample = beat.sample { bySample[sample] = beat } }
        return peaks.map { peak in
            let beat = bySample[peak]
            return BeatMark(sample: peak, label: beat?.label, probability: beat?.probability)
        }
    }

    /// `params.reference`: the beat annotations of the record's annotation file (an annotator
    /// name such as `"atr"`, for a WFDB record given by path), or `[{"sample", "label"}]`.
    static func references(
        _ value: JSONValue?, signal: JSONValue?, sampleCount: Int, dataRoot: DataRoot
    ) throws(ServiceError) -> [ReferenceMark] {
        let name = "params.reference"
        switch value {
        case nil, .null?:
            return []
        case .string(let annotator)?:
            guard !annotator.isEmpty, annotator.count <= 16, annotator.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                throw .invalidParams("\(name): \"\(annotator)\" is not an annotator name (such as atr)")
            }
            guard case .string(let path)? = signal?["path"], signal?["format"].map({ $0 == "wfdb" }) ?? true,
                !["csv", "edf"].contains((path as NSString).pathExtension.lowercased())
            else {
                throw .invalidParams(
                    "\(name): an annotator reads the annotation file of a WFDB record given by params.signal.path")
            }
            let record =
                (path as NSString).pathExtension.lowercased() == "hea" ? (path as NSString).deletingPathExtension : path
            let file = record + "." + annotator
            let url = try dataRoot.resolve(file, parameter: name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw .fileNotFound("\(name): \"\(file)\" does not exist under the data root")
            }
            let annotations: [Annotation]
            do {
                annotations = try WFDB.readAnnotations(at: url)
            } catch {
                throw .fileUnreadable("\(name): \"\(file)\": \((error as? SignalFileError)?.message ?? "\(error)")")
            }
            return annotations.filter { $0.isBeat && $0.sample >= 0 && $0.sample < sampleCount }.map {
                ReferenceMark(sample: $0.sample, label: $0.code, colourClass: AAMIClass(beatCode: $0.code)?.rawValue)
            }
        case .array(let elements)?:
            return try elements.enumerated().map { (i, element) throws(ServiceError) -> ReferenceMark in
                let fields = try Params.members(of: element, name: "\(name)[\(i)]", known: ["sample", "label"])
                guard let sample = try fields.integer("sample"), sample >= 0, sample < sampleCount else {
                    throw .invalidParams("\(name)[\(i)].sample: expected a sample number in 0..<\(sampleCount)")
                }
                let label = try fields.requiredString("label")
                return ReferenceMark(
                    sample: sample, label: label, colourClass: AAMIClass(beatCode: label)?.rawValue ?? label)
            }
        case let other?:
            throw .invalidParams(
                "\(name): expected an annotator name (\"atr\") or an array of {\"sample\", \"label\"}, found \(other.typeName)"
            )
        }
    }
}
