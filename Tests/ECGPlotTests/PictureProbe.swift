import PlotTestSupport
import XCTest

@testable import ECGPlot

/// A rendered PNG with the layout it was drawn from, for tests that look for things at
/// millimetre positions.
struct PictureProbe {
    let request: PlotRequest
    let plot: RenderedPlot
    let image: DecodedPNG
    let layout: PageLayout

    init(_ request: PlotRequest, size: PageSize = PageSize()) throws {
        self.request = request
        plot = try ECGPlotter.render(request, size: size, format: .png)
        image = try DecodedPNG(plot.data)
        var layout = try PageLayout(request)
        layout.fit(plot.page)
        self.layout = layout
    }

    var pixelsPerMm: Double { plot.page.pixelsPerMm }
    /// The pixel a millimetre position falls in.
    func pixel(_ mm: Double) -> Int { Int((mm * pixelsPerMm).rounded(.down)) }
    /// x of `sample` on the strip `strip` (first cell).
    func x(_ sample: Int, strip: Int = 0, cell: Int = 0) -> Double {
        layout.x(sample, in: layout.strips[strip].cells[cell])
    }

    /// Whether a trace-dark pixel lies within `radius` pixels of the millimetre position.
    func hasInk(atMm x: Double, _ y: Double, radius: Int = 1, darkness: Int = 160) -> Bool {
        let (cx, cy) = (pixel(x), pixel(y))
        for dy in -radius...radius {
            for dx in -radius...radius
            where cx + dx >= 0 && cy + dy >= 0 && cx + dx < image.width && cy + dy < image.height {
                if image.darkness(x: cx + dx, y: cy + dy) >= darkness { return true }
            }
        }
        return false
    }

    /// Whether a pixel within `radius` of the millimetre position is within `tolerance` of `colour`.
    func hasColour(_ colour: Colour, atMm x: Double, _ y: Double, radius: Int = 1, tolerance: Int = 40) -> Bool {
        let rgb = UInt32(colour.red) << 16 | UInt32(colour.green) << 8 | UInt32(colour.blue)
        let (cx, cy) = (pixel(x), pixel(y))
        for dy in -radius...radius {
            for dx in -radius...radius where image.isColour(rgb, x: cx + dx, y: cy + dy, tolerance: tolerance) {
                return true
            }
        }
        return false
    }
}

extension Colour {
    var rgb: UInt32 { UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue) }
}

/// A one-lead request over all of `samples` on a strip.
func stripRequest(
    _ samples: [Double], fs: Double = 360, paper: Paper = Paper(), beats: [BeatMark] = [],
    references: [ReferenceMark] = [], highlighted: Int? = nil
) -> PlotRequest {
    PlotRequest(
        fs: fs, leads: [PlotLead(name: "II", samples: samples)], window: 0..<samples.count, layout: .strip(lead: 0),
        paper: paper, beats: beats, references: references, highlightedBeat: highlighted, title: "test strip",
        classes: ["N", "SVEB", "VEB", "F", "Q"])
}
