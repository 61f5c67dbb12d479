/// Draws what is known about the beats: R-peak marks with class labels above the trace,
/// reference annotations below it, and the highlight band of one beat.
enum MarkPainter {
    static let labelSize = 2.4
    /// A beat's highlight reaches halfway to its neighbours, at most this far (seconds).
    static let highlightReach = 0.6

    /// The text above beat `index`.
    static func label(of index: Int, in request: PlotRequest) -> String? {
        let beat = request.beats[index]
        guard let label = beat.label else { return nil }
        guard request.showsProbabilities || index == request.highlightedBeat, let p = beat.probability else {
            return label
        }
        return label + " " + BeatMark.probabilityText(p)
    }

    /// The band behind the highlighted beat: over every strip, or on a 12-lead page over the
    /// rhythm strip that carries the marks.
    static func paintHighlight(_ request: PlotRequest, _ layout: PageLayout, on canvas: Canvas) {
        guard let index = request.highlightedBeat, request.beats.indices.contains(index),
            let strip = layout.markedStrip, let cell = strip.cells.first
        else { return }
        let peak = request.beats[index].sample
        let reach = Int(highlightReach * request.fs)
        let before = index > 0 ? min((peak - request.beats[index - 1].sample) / 2, reach) : reach * 2 / 3
        let after =
            index + 1 < request.beats.count ? min((request.beats[index + 1].sample - peak) / 2, reach) : reach * 2 / 3
        let start = max(peak - before, request.window.lowerBound)
        let end = min(peak + after, request.window.upperBound)
        guard start < end else { return }
        let (top, bottom): (Double, Double)
        if case .twelveLead = request.layout {
            (top, bottom) = (strip.top, strip.bottom)
        } else {
            (top, bottom) = (layout.gridTop, layout.gridBottom)
        }
        canvas.setColour(BeatPalette.yellow, alpha: 0.45)
        let x0 = layout.x(start, in: cell)
        canvas.fillRectangle(x: x0, y: top, width: layout.x(end, in: cell) - x0, height: bottom - top)
    }

    /// Triangles pointing down at each R-peak, labels above them; labels that would collide
    /// with the previous one are left out (the highlighted beat's never is).
    static func paintBeats(_ request: PlotRequest, _ layout: PageLayout, on canvas: Canvas) {
        guard let strip = layout.markedStrip, let cell = strip.cells.first else { return }
        let visible = request.beats.indices.filter { request.window.contains(request.beats[$0].sample) }
        var lastRight = -Double.infinity
        canvas.font(size: labelSize)
        var order = visible.filter { $0 != request.highlightedBeat }
        if let highlighted = request.highlightedBeat, visible.contains(highlighted) { order.append(highlighted) }
        for index in order {
            let beat = request.beats[index]
            let x = layout.x(beat.sample, in: cell)
            let colour = BeatPalette.colour(for: beat.label, classes: request.classes)
            canvas.setColour(colour)
            triangle(x: x, base: strip.top + 4.4, apex: strip.top + 6.2, on: canvas)
            guard let text = label(of: index, in: request) else { continue }
            let highlighted = index == request.highlightedBeat
            canvas.font(size: labelSize, bold: highlighted)
            let centre = inside(x, width: canvas.width(of: text), layout)
            guard highlighted || centre - canvas.width(of: text) / 2 > lastRight + 1.2 else { continue }
            let span = canvas.text(text, x: centre, y: strip.top + 3.5, alignment: .centre)
            if !highlighted { lastRight = span.upperBound }
            if highlighted { canvas.font(size: labelSize) }
        }
    }

    /// Reference annotations below the trace: a triangle pointing up and the label.
    static func paintReferences(_ request: PlotRequest, _ layout: PageLayout, on canvas: Canvas) {
        guard let strip = layout.markedStrip, let cell = strip.cells.first else { return }
        var lastRight = -Double.infinity
        canvas.font(size: labelSize)
        for reference in request.references where request.window.contains(reference.sample) {
            let x = layout.x(reference.sample, in: cell)
            canvas.setColour(
                BeatPalette.colour(for: reference.colourClass ?? reference.label, classes: request.classes))
            triangle(x: x, base: strip.bottom - 3.9, apex: strip.bottom - 5.7, on: canvas)
            let width = canvas.width(of: reference.label)
            let centre = inside(x, width: width, layout)
            guard centre - width / 2 > lastRight + 1.2 else { continue }
            lastRight = canvas.text(reference.label, x: centre, y: strip.bottom - 1.0, alignment: .centre).upperBound
        }
    }

    /// The centre of a label `width` mm wide at `x`, moved in so that it stays on the page.
    private static func inside(_ x: Double, width: Double, _ layout: PageLayout) -> Double {
        min(max(x, width / 2 + 1), layout.width - width / 2 - 1)
    }

    private static func triangle(x: Double, base: Double, apex: Double, on canvas: Canvas) {
        canvas.move(x - 0.9, base)
        canvas.line(x + 0.9, base)
        canvas.line(x, apex)
        canvas.fill()
    }
}
