import ECGSignal
import Foundation
import JSON

/// The model card, `models/NAME/model.json`: what a model is, which file holds it, how it wants
/// its beats and what its output means (models/README.md). Parsed once, by `read(directory:)`;
/// `ServedModel` checks it against the model.
public struct ModelCard: Codable, Sendable, Equatable {
    /// The name the model is served under.
    public var name: String
    /// The model's version, as its maker numbers it.
    public var version: String
    public var description: String?
    /// False for demonstration models whose outputs mean nothing.
    public var clinicallyMeaningful: Bool?
    /// "aami5", "binary", ...
    public var task: String?
    /// Class labels in output order.
    public var classes: [String]
    /// What the model's output means.
    public var output: OutputKind
    /// The network's own output classes, in order, each counted towards one of `classes`
    /// (absent: the network's outputs are `classes`). A five-class network served as normal vs
    /// abnormal names its five outputs here.
    public var outputClasses: [OutputClass]?
    /// Rules applied to the network's probabilities before `outputClasses` merges them: a beat
    /// whose feature is above a threshold cannot be of a class (see `ClassGate`).
    public var gates: [ClassGate]?
    /// Model file, relative to the card's directory (.onnx, .keras, or a Keras directory).
    public var file: String
    /// The same model in other formats, relative to the card's directory.
    public var alternateFiles: [String]?
    /// How the model wants its beats.
    public var input: InputSpec
    /// Where the model comes from (free-form).
    public var provenance: JSONValue?
    /// Measured figures (free-form).
    public var metrics: JSONValue?

    /// A card; members left out are absent from the card.
    public init(
        name: String, version: String, description: String? = nil, clinicallyMeaningful: Bool? = nil,
        task: String? = nil, classes: [String], output: OutputKind, outputClasses: [OutputClass]? = nil,
        gates: [ClassGate]? = nil, file: String, alternateFiles: [String]? = nil, input: InputSpec,
        provenance: JSONValue? = nil, metrics: JSONValue? = nil
    ) {
        self.name = name
        self.version = version
        self.description = description
        self.clinicallyMeaningful = clinicallyMeaningful
        self.task = task
        self.classes = classes
        self.output = output
        self.outputClasses = outputClasses
        self.gates = gates
        self.file = file
        self.alternateFiles = alternateFiles
        self.input = input
        self.provenance = provenance
        self.metrics = metrics
    }

    /// model.json files larger than this are refused.
    static let maxBytes = 1 << 20

    /// Reads `directory/model.json`. Members it does not know are ignored (cards carry notes of
    /// their own); its `file` must name something inside the directory.
    /// - Throws: `ServiceError.modelLoadFailed` naming the card and what is wrong with it.
    public static func read(directory: URL) throws(ServiceError) -> ModelCard {
        let url = directory.appendingPathComponent("model.json")
        func invalid(_ reason: String) -> ServiceError {
            .modelLoadFailed("\(url.path): invalid model card: \(reason)")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            let size = (attributes[.size] as? NSNumber)?.intValue,
            let data = FileManager.default.contents(atPath: url.path)
        else {
            throw .modelLoadFailed("\(url.path): no such model card")
        }
        guard size <= maxBytes else { throw invalid("more than \(maxBytes) bytes") }
        let card: ModelCard
        do {
            card = try JSONValueDecoder().decode(ModelCard.self, from: try JSONParser.parse(data))
        } catch let error as DecodingError {
            throw invalid(error.message(at: "card"))
        } catch {
            throw invalid("\(error)")
        }
        let parts = card.file.split(separator: "/", omittingEmptySubsequences: false)
        guard !card.file.isEmpty, !card.file.hasPrefix("/"),
            !parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty })
        else {
            throw invalid("file '\(card.file)' must be a path inside the model directory")
        }
        return card
    }
}

/// One output of the network and the served class it counts towards: an `outputClasses` entry.
public struct OutputClass: Codable, Sendable, Equatable {
    /// The network output's class name (what `gates` refer to).
    public var name: String
    /// The member of the card's `classes` whose probability includes this output's.
    public var servedClass: String

    public init(name: String, servedClass: String) {
        self.name = name
        self.servedClass = servedClass
    }

    enum CodingKeys: String, CodingKey {
        case name
        case servedClass = "class"
    }
}

/// A decision rule on the network's probabilities: a beat whose `feature` is above `above`
/// cannot be of `gatedClass`. Its probability of that class becomes 0 and the other classes'
/// are rescaled to sum to 1 (the network's answer given that the beat is not of that class).
/// For example, no SVEB in an irregular rhythm (`localIrregularity` above a threshold chosen on
/// training patients), where early beats are atrial fibrillation, not premature atrial beats.
public struct ClassGate: Codable, Sendable, Equatable {
    /// The network output class the gate closes.
    public var gatedClass: String
    /// The input feature (a member of `input.features`) the gate reads.
    public var feature: String
    /// The gate closes for beats whose feature is greater than this.
    public var above: Double

    public init(gatedClass: String, feature: String, above: Double) {
        self.gatedClass = gatedClass
        self.feature = feature
        self.above = above
    }

    enum CodingKeys: String, CodingKey {
        case gatedClass = "class"
        case feature, above
    }
}

/// How a model wants its beats cut and normalised: the `input` object of a model card, and the
/// `inputSpec` parameter of `loadModel` and `extractBeats`. `BeatRecipe` checks it.
public struct InputSpec: Codable, Sendable, Equatable {
    /// Sampling rate the model was trained at, in Hz.
    public var samplingRate: Double
    /// Samples taken before the R-peak.
    public var samplesBefore: Int
    /// Samples taken from the R-peak on (the window is samplesBefore + samplesAfter long).
    public var samplesAfter: Int
    /// Per-beat normalisation of each channel ("none" when absent).
    public var normalization: BeatNormalization
    /// Extra per-beat features fed as a second input, in order (e.g. "preRR", "postRR").
    public var features: [String]
    /// Name of the model input holding the beat window (default: the first input).
    public var windowInput: String?
    /// Name of the model input holding the features (default: the second input).
    public var featureInput: String?
    /// What each channel of the window input holds, channels last (default `["beat"]`; see
    /// `BeatChannel`).
    public var channels: [String]?
    /// Cutoff in hertz of the zero-phase high-pass filter applied to the lead before beats are
    /// cut (baseline-wander removal); nil for none.
    public var highpass: Double?
    /// How beats are cut (default `window`).
    public var segmentation: Segmentation?

    /// A spec; features, inputs, channels, high-pass and segmentation default to none or the defaults.
    public init(
        samplingRate: Double, samplesBefore: Int, samplesAfter: Int, normalization: BeatNormalization,
        features: [String] = [], windowInput: String? = nil, featureInput: String? = nil, channels: [String]? = nil,
        highpass: Double? = nil, segmentation: Segmentation? = nil
    ) {
        self.samplingRate = samplingRate
        self.samplesBefore = samplesBefore
        self.samplesAfter = samplesAfter
        self.normalization = normalization
        self.features = features
        self.windowInput = windowInput
        self.featureInput = featureInput
        self.channels = channels
        self.highpass = highpass
        self.segmentation = segmentation
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case samplingRate, samplesBefore, samplesAfter, normalization, features, windowInput, featureInput, channels
        case highpass, segmentation
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        samplingRate = try c.decode(Double.self, forKey: .samplingRate)
        samplesBefore = try c.decode(Int.self, forKey: .samplesBefore)
        samplesAfter = try c.decode(Int.self, forKey: .samplesAfter)
        normalization = try c.decodeEnumerationIfPresent(BeatNormalization.self, forKey: .normalization) ?? .none
        features = try c.decodeIfPresent([String].self, forKey: .features) ?? []
        windowInput = try c.decodeIfPresent(String.self, forKey: .windowInput)
        featureInput = try c.decodeIfPresent(String.self, forKey: .featureInput)
        channels = try c.decodeIfPresent([String].self, forKey: .channels)
        highpass = try c.decodeIfPresent(Double.self, forKey: .highpass)
        segmentation = try c.decodeIfPresent(Segmentation.self, forKey: .segmentation)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(samplingRate, forKey: .samplingRate)
        try c.encode(samplesBefore, forKey: .samplesBefore)
        try c.encode(samplesAfter, forKey: .samplesAfter)
        try c.encode(normalization.rawValue, forKey: .normalization)
        try c.encode(features, forKey: .features)
        try c.encodeIfPresent(windowInput, forKey: .windowInput)
        try c.encodeIfPresent(featureInput, forKey: .featureInput)
        try c.encodeIfPresent(channels, forKey: .channels)
        try c.encodeIfPresent(highpass, forKey: .highpass)
        try c.encodeIfPresent(segmentation, forKey: .segmentation)
    }

    /// Window length in samples (Int.max when the sum overflows; `BeatRecipe` refuses such specs).
    public var windowLength: Int {
        let (sum, overflow) = samplesBefore.addingReportingOverflow(samplesAfter)
        return overflow ? .max : sum
    }
}

/// What a model's output means: class probabilities (softmax), the probability of the second
/// class (one sigmoid unit), or raw scores (logits).
public enum OutputKind: String, Codable, Sendable, JSONEnumeration {
    case softmax, sigmoid, logits

    /// Class probabilities, `count` x `classes` row-major, from a model's raw output: softmax
    /// outputs as they are, a sigmoid unit `p` (one value per beat) as `[1 - p, p]`, logits
    /// through a softmax. The one place outputs become probabilities.
    public func probabilities(_ raw: [Float], count: Int, classes: Int) -> [Float] {
        switch self {
        case .softmax:
            return raw
        case .sigmoid:
            var p = [Float](repeating: 0, count: count * 2)
            for i in 0..<min(count, raw.count) {
                p[2 * i] = 1 - raw[i]
                p[2 * i + 1] = raw[i]
            }
            return p
        case .logits:
            var p = raw
            for i in 0..<min(count, raw.count / max(1, classes)) {
                let row = (i * classes)..<((i + 1) * classes)
                let m = p[row].max() ?? 0
                var sum: Float = 0
                for j in row {
                    p[j] = expf(p[j] - m)
                    sum += p[j]
                }
                for j in row { p[j] /= sum }
            }
            return p
        }
    }
}
