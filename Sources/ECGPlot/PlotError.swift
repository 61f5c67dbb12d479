/// Why a picture cannot be drawn. Each case names the request part at fault, so that callers
/// can report the parameter; nothing is drawn when one is thrown.
public enum PlotError: Error, Equatable, CustomStringConvertible {
    /// Which side of the page a length error is about.
    public enum Side: String, Sendable { case width, height }

    /// The window holds no samples or leaves the leads.
    case window(String)
    /// A lead index does not exist, or the layout lacks leads.
    case leads(String)
    /// The paper's speed or gain is out of range.
    case paper(String)
    /// The resolution is outside `PageSize.dpiRange`.
    case resolution(Double)
    /// A pixel width without dpi would need a resolution outside `PageSize.dpiRange`.
    case fitResolution(Double, pixels: Int, naturalWidth: Double)
    /// A length is zero, negative or not finite.
    case badLength(Side, String)
    /// The page is narrower than the window at the paper's speed.
    case tooNarrow(neededMm: Double, givenMm: Double)
    /// The page is too low for the strips.
    case tooShort(neededMm: Double, givenMm: Double)
    /// The picture would exceed `PageSize.maxPixels` or `PageSize.maxSide`.
    case tooManyPixels(width: Int, height: Int)
    /// Cairo or zlib failed (out of memory, for example).
    case rendering(String)

    public var description: String {
        func mm(_ x: Double) -> String { String(Int(x.rounded(.up))) + " mm" }
        switch self {
        case .window(let message), .leads(let message), .paper(let message): return message
        case .resolution(let dpi):
            return "\(dpi) dpi is outside \(Int(PageSize.dpiRange.lowerBound))-\(Int(PageSize.dpiRange.upperBound)) dpi"
        case .fitResolution(let dpi, let pixels, let natural):
            return "\(pixels) px for a page of \(mm(natural)) would be \(Int(dpi.rounded())) dpi, outside "
                + "\(Int(PageSize.dpiRange.lowerBound))-\(Int(PageSize.dpiRange.upperBound)) dpi"
        case .badLength(_, let message): return message
        case .tooNarrow(let needed, let given):
            return "the window needs a page \(mm(needed)) wide at this paper speed, the size gives \(mm(given))"
        case .tooShort(let needed, let given):
            return "the strips need a page at least \(mm(needed)) high, the size gives \(mm(given))"
        case .tooManyPixels(let w, let h):
            return
                "\(w) x \(h) px exceeds the limit of \(PageSize.maxSide) px a side and \(PageSize.maxPixels / 1_000_000) million pixels"
        case .rendering(let message): return "rendering failed: \(message)"
        }
    }
}
