/// How a model wants its beats cut and normalised (the `input` object of a model card).
public struct InputSpec: Codable, Sendable, Equatable {
    /// Sampling rate the model was trained at, in Hz.
    public var samplingRate: Double
    /// Samples taken before the R-peak.
    public var samplesBefore: Int
    /// Samples taken from the R-peak on (the window is samplesBefore + samplesAfter long).
    public var samplesAfter: Int
    /// Per-beat normalisation: "zscore", "minmax" or "none".
    public var normalization: Normalization
    /// Extra per-beat features fed as a second input, in order (e.g. "preRR", "postRR").
    public var features: [String]
    /// Name of the model input holding the beat window (default: the first input).
    public var windowInput: String?
    /// Name of the model input holding the features (default: the second input).
    public var featureInput: String?
    /// What each channel of the window input holds, channels last (default `["beat"]`; a
    /// `"template"` channel holds the recording's typical beat, see ECGService's BeatRecipe).
    public var channels: [String]?
    /// Cutoff in hertz of the zero-phase high-pass filter applied to the lead before beats are
    /// cut (baseline-wander removal); nil for none.
    public var highpass: Double?

    public init(samplingRate: Double, samplesBefore: Int, samplesAfter: Int, normalization: Normalization,
                features: [String] = [], windowInput: String? = nil, featureInput: String? = nil,
                channels: [String]? = nil, highpass: Double? = nil) {
        self.samplingRate = samplingRate
        self.samplesBefore = samplesBefore
        self.samplesAfter = samplesAfter
        self.normalization = normalization
        self.features = features
        self.windowInput = windowInput
        self.featureInput = featureInput
        self.channels = channels
        self.highpass = highpass
    }

    /// Window length in samples (Int.max when the sum overflows; loading refuses such cards).
    public var windowLength: Int {
        let (sum, overflow) = samplesBefore.addingReportingOverflow(samplesAfter)
        return overflow ? .max : sum
    }
}

/// Per-beat normalisation of a window.
public enum Normalization: String, Codable, Sendable {
    case zscore, minmax, none
}

/// What the model's output means: class probabilities (softmax), the probability of the
/// second class (one sigmoid unit), or raw scores (logits).
public enum OutputKind: String, Codable, Sendable {
    case softmax, sigmoid, logits
}

/// The model card, `models/NAME/model.json`.
public struct ModelCard: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var description: String?
    /// False for demonstration models whose outputs mean nothing.
    public var clinicallyMeaningful: Bool?
    /// "aami5", "binary", ...
    public var task: String?
    /// Class labels in output order.
    public var classes: [String]
    public var output: OutputKind
    /// Model file, relative to the card's directory (.onnx, .keras, or a Keras directory).
    public var file: String
    /// The same model in other formats, relative to the card's directory.
    public var alternateFiles: [String]?
    public var input: InputSpec
    /// Where the model comes from (free-form).
    public var provenance: FreeformJSON?
    /// Measured figures (free-form).
    public var metrics: FreeformJSON?

    public init(name: String, version: String, description: String? = nil, clinicallyMeaningful: Bool? = nil,
                task: String? = nil, classes: [String], output: OutputKind, file: String,
                alternateFiles: [String]? = nil, input: InputSpec, provenance: FreeformJSON? = nil,
                metrics: FreeformJSON? = nil) {
        self.name = name
        self.version = version
        self.description = description
        self.clinicallyMeaningful = clinicallyMeaningful
        self.task = task
        self.classes = classes
        self.output = output
        self.file = file
        self.alternateFiles = alternateFiles
        self.input = input
        self.provenance = provenance
        self.metrics = metrics
    }
}

/// Any JSON value, for the free-form parts of a model card (provenance, metrics).
public enum FreeformJSON: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([FreeformJSON])
    case object([String: FreeformJSON])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([FreeformJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: FreeformJSON].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
