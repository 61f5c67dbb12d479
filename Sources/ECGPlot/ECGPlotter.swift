/// A picture drawn by `ECGPlotter.render`.
public struct RenderedPlot: Sendable {
    public var format: PlotFormat
    /// The file: PNG, SVG (UTF-8 text) or PDF bytes.
    public var data: [UInt8]
    /// The page's size and resolution (a PNG is `page.widthPixels` x `page.heightPixels`).
    public var page: ResolvedPage
}

/// Draws ECGs on paper with Cairo.
public enum ECGPlotter {
    /// Draws `request` on a page of `size` in `format`.
    /// - Throws: `PlotError` for a request that cannot be drawn (nothing is drawn then).
    public static func render(
        _ request: PlotRequest, size: PageSize = PageSize(), format: PlotFormat = .png
    ) throws(PlotError) -> RenderedPlot {
        var (layout, page) = try lay(request, size: size)
        layout.fit(page)
        let target = try RenderTarget(format: format, page: page)
        try paint(request, layout, on: Canvas(target))
        return RenderedPlot(format: format, data: try target.finish(), page: page)
    }

    /// The page `render` would draw `request` on, without drawing: checks the size fits.
    public static func measure(_ request: PlotRequest, size: PageSize = PageSize()) throws(PlotError) -> ResolvedPage {
        try lay(request, size: size).page
    }

    private static func lay(_ request: PlotRequest, size: PageSize) throws(PlotError) -> (
        PageLayout, page: ResolvedPage
    ) {
        try validate(request)
        let layout = try PageLayout(request)
        let page = try size.resolve(
            naturalWidth: layout.width, naturalHeight: layout.height, minimumHeight: layout.minimumHeight)
        return (layout, page)
    }

    private static func paint(_ request: PlotRequest, _ layout: PageLayout, on canvas: Canvas) {
        canvas.setColour(.white)
        canvas.fillRectangle(x: 0, y: 0, width: layout.width, height: layout.height)
        MarkPainter.paintHighlight(request, layout, on: canvas)
        GridPainter.paint(layout, style: request.paper.style, on: canvas)
        // Traces may reach into neighbouring strips (as on paper), not into the text bands.
        canvas.clip(x: 0, y: layout.gridTop, width: layout.width, height: layout.gridBottom - layout.gridTop)
        for strip in layout.strips {
            if request.paper.calibrationPulse {
                TracePainter.paintCalibration(baseline: strip.baseline, layout: layout, on: canvas)
            }
            for (column, cell) in strip.cells.enumerated() {
                if column > 0 { TracePainter.paintSeparator(x: cell.x, baseline: strip.baseline, on: canvas) }
                TracePainter.paint(
                    cell, samples: request.leads[cell.lead].samples, baseline: strip.baseline, layout: layout,
                    on: canvas)
            }
        }
        canvas.resetClip()
        MarkPainter.paintReferences(request, layout, on: canvas)
        MarkPainter.paintBeats(request, layout, on: canvas)
        LabelPainter.paintLeadNames(layout, on: canvas)
        LabelPainter.paintTitle(request, layout, on: canvas)
        LabelPainter.paintTimeAxis(layout, on: canvas)
    }

    /// Checks what callers validate with their own parameter names, so that no request can
    /// make the renderer read out of bounds.
    static func validate(_ request: PlotRequest) throws(PlotError) {
        guard request.fs > 0, request.fs.isFinite else { throw .window("the sampling rate must be positive") }
        guard !request.window.isEmpty else { throw .window("the window holds no samples") }
        let used: [Int]
        switch request.layout {
        case .strip(let lead): used = [lead]
        case .stack(let leads):
            guard !leads.isEmpty else { throw .leads("no leads to draw") }
            used = leads
        case .twelveLead(let leads, let rhythm):
            guard leads.count == StandardLeads.names.count else {
                throw .leads(
                    "a 12-lead page needs the \(StandardLeads.names.count) standard leads, given \(leads.count)")
            }
            guard request.window.count >= 4 else { throw .window("a 12-lead page needs at least 4 samples") }
            used = leads + rhythm
        }
        for lead in used {
            guard request.leads.indices.contains(lead) else { throw .leads("lead \(lead) does not exist") }
            guard request.window.lowerBound >= 0, request.window.upperBound <= request.leads[lead].samples.count else {
                throw .window(
                    "samples \(request.window.lowerBound)..<\(request.window.upperBound) leave lead \(lead) (\(request.leads[lead].samples.count) samples)"
                )
            }
        }
        let paper = request.paper
        guard Paper.speeds.contains(paper.speed) else {
            throw .paper("speed \(paper.speed) mm/s is outside \(Paper.speeds)")
        }
        guard Paper.gains.contains(paper.gain) else {
            throw .paper("gain \(paper.gain) mm/\(paper.unit) is outside \(Paper.gains)")
        }
        if let beat = request.highlightedBeat, !request.beats.indices.contains(beat) {
            throw .window("the highlighted beat \(beat) is not one of the \(request.beats.count) beats")
        }
    }
}
