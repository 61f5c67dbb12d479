import ECGPlot
import JSONRPC

/// How `plotSegment` draws: layout, paper, size, format and text (protocol/README.md, `plotSegment`).
struct PlotOptions {
    /// The arrangements of leads on the page, by their names in `params.layout`.
    enum Layout: String, CaseIterable {
        case strip, stack
        case twelveLead = "12lead"
    }

    var layout: Layout
    var paper: Paper
    var size: PageSize
    var format: PlotFormat
    /// `params.title`; nil for the title ecgd composes.
    var title: String?
    var showsProbabilities: Bool

    /// Reads the drawing options of `fields` (the params of plotSegment). `paper` holds the
    /// defaults of the mode (a cut beat is drawn faster and larger than a recording).
    static func decode(_ fields: Fields, paper defaults: Paper) throws(ServiceError) -> PlotOptions {
        let layoutName = try fields.string("layout") ?? Layout.strip.rawValue
        guard let layout = Layout(rawValue: layoutName) else {
            throw .invalidParams(
                "params.layout: unknown \"\(layoutName)\" (expected \(Layout.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let formatName = try fields.string("format") ?? PlotFormat.png.rawValue
        guard let format = PlotFormat(rawValue: formatName) else {
            throw .invalidParams(
                "params.format: unknown \"\(formatName)\" (expected \(PlotFormat.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        var paper = defaults
        if let speed = try fields.number("speed") {
            guard Paper.speeds.contains(speed) else {
                throw .invalidParams(
                    "params.speed: \(speed) mm/s is outside \(range(Paper.speeds)) mm/s (25 and 50 are standard)")
            }
            paper.speed = speed
        }
        if let gain = try fields.number("gain") {
            guard Paper.gains.contains(gain) else {
                throw .invalidParams(
                    "params.gain: \(gain) mm/\(paper.unit) is outside \(range(Paper.gains)) (5, 10 and 20 mm/mV are standard)"
                )
            }
            paper.gain = gain
        }
        if let styleName = try fields.string("style") {
            guard let style = PaperStyle(rawValue: styleName) else {
                throw .invalidParams(
                    "params.style: unknown \"\(styleName)\" (expected \(PaperStyle.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            paper.style = style
        }
        return PlotOptions(
            layout: layout, paper: paper, size: try size(fields), format: format, title: try fields.string("title"),
            showsProbabilities: try fields.bool("showProbabilities") ?? false)
    }

    /// `params.size` (`{"width", "height", "unit": "px" | "mm"}`) and `params.dpi`.
    private static func size(_ fields: Fields) throws(ServiceError) -> PageSize {
        var size = PageSize()
        if let dpi = try fields.number("dpi") {
            guard PageSize.dpiRange.contains(dpi) else {
                throw .invalidParams("params.dpi: \(dpi) is outside \(range(PageSize.dpiRange)) dpi")
            }
            size.dpi = dpi
        }
        guard let value = fields.members["size"], value != .null else { return size }
        let members = try Params.members(of: value, name: "params.size", known: ["width", "height", "unit"])
        let unit = try members.string("unit") ?? "px"
        guard unit == "px" || unit == "mm" else {
            throw .invalidParams("params.size.unit: unknown \"\(unit)\" (expected px or mm)")
        }
        for (key, side) in [("width", \PageSize.width), ("height", \PageSize.height)] {
            guard members.members[key] != nil, members.members[key] != .null else { continue }
            switch unit {
            case "px":
                guard let pixels = try members.integer(key), pixels >= 1, pixels <= PageSize.maxSide else {
                    throw .invalidParams(
                        "params.size.\(key): expected a whole number of pixels in 1...\(PageSize.maxSide), found \(members.members[key]!)"
                    )
                }
                size[keyPath: side] = .pixels(pixels)
            default:
                guard let mm = try members.number(key), mm > 0, mm <= 10_000 else {
                    throw .invalidParams(
                        "params.size.\(key): expected millimetres in (0, 10000], found \(members.members[key]!)")
                }
                size[keyPath: side] = .millimetres(mm)
            }
        }
        return size
    }

    private static func range(_ range: ClosedRange<Double>) -> String {
        func text(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
        return "\(text(range.lowerBound))-\(text(range.upperBound))"
    }
}
