/// The size asked for a picture: in pixels or millimetres, with or without a resolution.
///
/// Missing lengths come from the content (the window at the paper's speed, the strips at the
/// paper's gain). A pixel width without `dpi` sets the resolution so that the content fills it.
public struct PageSize: Sendable, Equatable {
    /// A length in pixels or in millimetres.
    public enum Length: Sendable, Equatable {
        case pixels(Int)
        case millimetres(Double)
    }

    public var width: Length?
    public var height: Length?
    /// Dots per inch; nil for `defaultDPI` (or, with a pixel width, whatever fills it).
    public var dpi: Double?

    public init(width: Length? = nil, height: Length? = nil, dpi: Double? = nil) {
        self.width = width
        self.height = height
        self.dpi = dpi
    }

    /// The resolution when nothing sets it.
    public static let defaultDPI = 150.0
    /// Accepted resolutions.
    public static let dpiRange: ClosedRange<Double> = 10...1200
    /// Most pixels a picture may have (a 300 dpi A4 page has 8.7 million).
    public static let maxPixels = 25_000_000
    /// Longest side in pixels.
    public static let maxSide = 20_000
}

/// The size a picture gets: page millimetres and the resolution that makes them pixels.
public struct ResolvedPage: Sendable, Equatable {
    public var widthMm: Double
    public var heightMm: Double
    public var dpi: Double

    /// Device pixels per millimetre.
    public var pixelsPerMm: Double { dpi / 25.4 }
    public var widthPixels: Int { Int((widthMm * pixelsPerMm).rounded()) }
    public var heightPixels: Int { Int((heightMm * pixelsPerMm).rounded()) }
}

extension PageSize {
    /// Fits the content (`natural` millimetres wide and high) to this size.
    /// - Parameter minimumHeight: the least page height the strips can be squeezed into.
    func resolve(naturalWidth: Double, naturalHeight: Double, minimumHeight: Double) throws(PlotError) -> ResolvedPage {
        if let dpi { guard Self.dpiRange.contains(dpi) else { throw .resolution(dpi) } }
        var dpi = dpi ?? Self.defaultDPI
        let widthMm: Double
        switch width {
        case nil:
            widthMm = naturalWidth
        case .pixels(let pixels)?:
            guard pixels > 0 else { throw .badLength(.width, "must be positive") }
            if self.dpi == nil {
                dpi = Double(pixels) / naturalWidth * 25.4
                guard Self.dpiRange.contains(dpi) else {
                    throw .fitResolution(dpi, pixels: pixels, naturalWidth: naturalWidth)
                }
            }
            widthMm = Double(pixels) / dpi * 25.4
        case .millimetres(let mm)?:
            guard mm > 0, mm.isFinite else { throw .badLength(.width, "must be positive") }
            widthMm = mm
        }
        // Half a pixel of slack: a width in pixels is the natural width rounded.
        guard widthMm >= naturalWidth - 12.7 / dpi else { throw .tooNarrow(neededMm: naturalWidth, givenMm: widthMm) }
        let heightMm: Double
        switch height {
        case nil: heightMm = naturalHeight
        case .pixels(let pixels)?:
            guard pixels > 0 else { throw .badLength(.height, "must be positive") }
            heightMm = Double(pixels) / dpi * 25.4
        case .millimetres(let mm)?:
            guard mm > 0, mm.isFinite else { throw .badLength(.height, "must be positive") }
            heightMm = mm
        }
        guard heightMm >= minimumHeight else { throw .tooShort(neededMm: minimumHeight, givenMm: heightMm) }
        // Pixel sizes given are kept exactly (the millimetres follow from them).
        var page = ResolvedPage(widthMm: widthMm, heightMm: heightMm, dpi: dpi)
        if case .pixels(let pixels)? = width { page.widthMm = Double(pixels) / page.pixelsPerMm }
        if case .pixels(let pixels)? = height { page.heightMm = Double(pixels) / page.pixelsPerMm }
        let (w, h) = (page.widthPixels, page.heightPixels)
        guard w <= Self.maxSide, h <= Self.maxSide, w * h <= Self.maxPixels, w >= 1, h >= 1 else {
            throw .tooManyPixels(width: w, height: h)
        }
        return page
    }
}
