/// One lead of a recording, in the paper's amplitude unit (millivolts for recordings).
public struct PlotLead: Sendable, Equatable {
    public var name: String
    /// Every sample of the lead; only those in the plot's window are drawn. NaN leaves a gap.
    public var samples: [Double]

    public init(name: String, samples: [Double]) {
        self.name = name
        self.samples = samples
    }
}

/// An R-peak to mark, with what a classifier or the caller says about the beat.
public struct BeatMark: Sendable, Equatable {
    /// Sample number in the leads' numbering.
    public var sample: Int
    /// The beat's class, drawn above the mark; nil for an unclassified R-peak.
    public var label: String?
    /// The probability of `label`, drawn when asked for.
    public var probability: Double?

    public init(sample: Int, label: String? = nil, probability: Double? = nil) {
        self.sample = sample
        self.label = label
        self.probability = probability
    }

    /// A probability as the picture writes it, with two decimals: `0.07`, `0.93`, `1.00`.
    public static func probabilityText(_ p: Double) -> String {
        let hundredths = Int((min(max(p, 0), 1) * 100).rounded())
        return hundredths == 100 ? "1.00" : "0." + (hundredths < 10 ? "0" : "") + String(hundredths)
    }
}

/// A reference annotation (the truth): a beat label of an annotation file, or the true label
/// of a cut beat. Drawn below the trace, so that a reader sees where detection and truth differ.
public struct ReferenceMark: Sendable, Equatable {
    public var sample: Int
    /// The text drawn, for example the MIT-BIH code `V`.
    public var label: String
    /// The class the colour comes from (for example `VEB` for `V`); nil for the label itself.
    public var colourClass: String?

    public init(sample: Int, label: String, colourClass: String? = nil) {
        self.sample = sample
        self.label = label
        self.colourClass = colourClass
    }
}

/// How the leads are arranged on the page.
public enum PlotLayout: Sendable, Equatable {
    /// One lead (an index into `PlotRequest.leads`) on one strip.
    case strip(lead: Int)
    /// Several leads, one strip each, on a shared time axis.
    case stack(leads: [Int])
    /// The clinical 12-lead page: three rows of four columns, each column a quarter of the
    /// window (2.5 s of a 10 s window), then full-length rhythm strips.
    /// - Parameters:
    ///   - leads: the indices of I, II, III, aVR, aVL, aVF, V1-V6, in that order (see `StandardLeads`).
    ///   - rhythm: the leads of the rhythm strips (lead II on most electrocardiographs).
    case twelveLead(leads: [Int], rhythm: [Int])
}

/// Everything one picture shows.
public struct PlotRequest: Sendable {
    /// Sampling rate of every lead, in hertz.
    public var fs: Double
    public var leads: [PlotLead]
    /// The samples drawn (half-open); must lie within the leads.
    public var window: Range<Int>
    public var layout: PlotLayout
    public var paper: Paper
    /// R-peaks to mark, in increasing sample order; those outside the window are not drawn.
    public var beats: [BeatMark]
    /// Reference annotations to draw below the trace.
    public var references: [ReferenceMark]
    /// The lead whose strip carries the marks (the lead the beats were found on); the first
    /// strip when that lead is not drawn.
    public var markedLead: Int?
    /// An index into `beats`: that beat gets a highlight band and a bold label with its probability.
    public var highlightedBeat: Int?
    /// Whether labels show each beat's probability.
    public var showsProbabilities: Bool
    /// The title line; empty for none.
    public var title: String
    /// The classes of the model that labelled the beats, normal first: the colours of classes
    /// without a fixed colour follow this order (see `BeatPalette`).
    public var classes: [String]

    public init(
        fs: Double, leads: [PlotLead], window: Range<Int>, layout: PlotLayout, paper: Paper = Paper(),
        beats: [BeatMark] = [], references: [ReferenceMark] = [], markedLead: Int? = nil,
        highlightedBeat: Int? = nil, showsProbabilities: Bool = false, title: String = "", classes: [String] = []
    ) {
        self.fs = fs
        self.leads = leads
        self.window = window
        self.layout = layout
        self.paper = paper
        self.beats = beats
        self.references = references
        self.markedLead = markedLead
        self.highlightedBeat = highlightedBeat
        self.showsProbabilities = showsProbabilities
        self.title = title
        self.classes = classes
    }
}
