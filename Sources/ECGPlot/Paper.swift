/// The paper an ECG is drawn on: its speed, its gain and its grid.
public struct Paper: Sendable, Equatable {
    /// Paper speed in millimetres per second (25 on most electrocardiographs; 50 is common).
    public var speed: Double
    /// Millimetres per unit of amplitude (10 mm/mV standard; 5 and 20 are common).
    public var gain: Double
    /// The amplitude unit of the samples, as printed in the scale legend (`mV`).
    public var unit: String
    /// Whether each strip starts with a calibration pulse of one unit (1 mV: `gain` mm tall).
    public var calibrationPulse: Bool
    public var style: PaperStyle

    public init(
        speed: Double = 25, gain: Double = 10, unit: String = "mV", calibrationPulse: Bool = true,
        style: PaperStyle = .ecg
    ) {
        self.speed = speed
        self.gain = gain
        self.unit = unit
        self.calibrationPulse = calibrationPulse
        self.style = style
    }

    /// Accepted paper speeds, mm/s.
    public static let speeds: ClosedRange<Double> = 5...200
    /// Accepted gains, mm per unit.
    public static let gains: ClosedRange<Double> = 0.5...200
    /// Width of the calibration pulse in seconds (as electrocardiographs draw it).
    static let pulseSeconds = 0.2
}

/// The look of the paper.
public enum PaperStyle: String, Sendable, CaseIterable {
    /// ECG paper: 1 mm minor and 5 mm major grid in red.
    case ecg
    /// The same grid in light grey, for publications.
    case grey
    /// No grid, for publications.
    case plain

    /// Minor and major grid colours; nil for no grid.
    var gridColours: (minor: Colour, major: Colour)? {
        switch self {
        case .ecg: (Colour(hex: 0xF5C4C4), Colour(hex: 0xE58C8C))
        case .grey: (Colour(hex: 0xEBEBEB), Colour(hex: 0xC4C4C4))
        case .plain: nil
        }
    }
}
