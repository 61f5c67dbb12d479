import ECGPlot
import Foundation
import JSONRPC

/// The result of `plotSegment`, built directly as JSON.
enum PlotResult {
    /// `{"format", "data", "width", "height", "dpi", "widthMm", "heightMm", "window", "beats", ...}`:
    /// `data` is base64 for PNG and PDF, the document's text for SVG.
    static func json(_ plot: RenderedPlot, _ drawing: PlotSegment.Drawing) -> JSONValue {
        let request = drawing.request
        let page = plot.page
        let data: String =
            plot.format == .svg ? String(decoding: plot.data, as: UTF8.self) : Data(plot.data).base64EncodedString()
        let window = request.window
        var members: [String: JSONValue] = [
            "format": .string(plot.format.rawValue),
            "data": .string(data),
            "width": .number(Double(page.widthPixels)),
            "height": .number(Double(page.heightPixels)),
            "dpi": .number(rounded(page.dpi)),
            "widthMm": .number(rounded(page.widthMm)),
            "heightMm": .number(rounded(page.heightMm)),
            "layout": .string(drawing.options.layout.rawValue),
            "paper": [
                "speed": .number(request.paper.speed), "gain": .number(request.paper.gain),
                "unit": .string(request.paper.unit), "style": .string(request.paper.style.rawValue),
            ],
            "leads": .array(leads(request).map { .string(request.leads[$0].name) }),
            "window": [
                "start": .number(rounded(Double(window.lowerBound) / request.fs)),
                "end": .number(rounded(Double(window.upperBound) / request.fs)),
                "startSample": .number(Double(window.lowerBound)),
                "endSample": .number(Double(window.upperBound)),
                "fs": .number(request.fs),
            ],
            "beats": .array(drawing.beats),
            "title": .string(request.title),
        ]
        if let model = drawing.model { members["model"] = .string(model) }
        let references = request.references.filter { window.contains($0.sample) }
        if !references.isEmpty {
            members["references"] = .array(
                references.map { ["sample": .number(Double($0.sample)), "label": .string($0.label)] })
        }
        return .object(members)
    }

    /// One drawn R-peak: `{"index", "sample", "time", "label"?, "probability"?, "highlighted"?}`.
    static func beat(_ mark: BeatMark, index: Int, fs: Double, highlighted: Bool) -> JSONValue {
        var members: [String: JSONValue] = [
            "index": .number(Double(index)), "sample": .number(Double(mark.sample)),
            "time": .number(rounded(Double(mark.sample) / fs)),
        ]
        if let label = mark.label { members["label"] = .string(label) }
        if let p = mark.probability { members["probability"] = .number(p) }
        if highlighted { members["highlighted"] = true }
        return .object(members)
    }

    /// The leads on the page, in drawing order.
    private static func leads(_ request: PlotRequest) -> [Int] {
        switch request.layout {
        case .strip(let lead): [lead]
        case .stack(let leads): leads
        case .twelveLead(let leads, let rhythm): leads + rhythm
        }
    }

    /// Six significant decimals are plenty for sizes and times.
    private static func rounded(_ x: Double) -> Double { (x * 1_000_000).rounded() / 1_000_000 }
}
