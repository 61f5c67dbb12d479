/// Draws the text of a page: the title line with the scale legend and the class colours, lead
/// names, and the time axis.
enum LabelPainter {
    static let text = Colour(hex: 0x222222)
    static let titleSize = 3.2
    static let leadSize = 3.0
    static let axisSize = 2.4

    /// The classes of the beats in the window, in order of appearance, and the paper's scale:
    /// the legend at the right of the title band.
    static func legend(_ request: PlotRequest) -> (classes: [String], scale: String) {
        var classes: [String] = []
        for beat in request.beats where request.window.contains(beat.sample) {
            if let label = beat.label, !classes.contains(label) { classes.append(label) }
        }
        let paper = request.paper
        return (classes, "\(number(paper.speed)) mm/s · \(number(paper.gain)) mm/\(paper.unit)")
    }

    /// Width of the legend in millimetres: each class a square and its name, then the scale.
    static func legendWidth(_ request: PlotRequest, measure: TextMeasure) -> Double {
        let (classes, scale) = legend(request)
        return classes.reduce(measure.width(scale, size: titleSize) + 4) {
            $0 + measure.width($1, size: titleSize) + 4.5
        }
    }

    /// The title broken at its ` · ` separators into lines: the first beside the legend (or,
    /// when even its first part is too long for that, below it), the others across the page;
    /// a part too long for a line is cut short with an ellipsis.
    static func titleLines(_ request: PlotRequest, pageWidth: Double, measure: TextMeasure) -> [String] {
        guard !request.title.isEmpty else { return [] }
        let first = pageWidth - 6 - legendWidth(request, measure: measure) - 3
        let others = pageWidth - 6
        func fits(_ text: String, _ room: Double) -> Bool { measure.width(text, size: titleSize, bold: true) <= room }
        let parts = request.title.split(separator: " · ").map(String.init)
        // A first part too long to stand beside the legend starts on the next line.
        var lines: [String] = fits(parts[0], first) || !fits(parts[0], others) ? [] : [""]
        var line = ""
        for part in parts {
            let room = lines.isEmpty ? first : others
            let joined = line.isEmpty ? part : line + " · " + part
            if fits(joined, room) {
                line = joined
                continue
            }
            if !line.isEmpty { lines.append(line) }
            var piece = part
            let pieceRoom = lines.isEmpty ? first : others
            while !fits(piece, pieceRoom), piece.count > 1 { piece = String(piece.dropLast(2)) + "…" }
            line = piece
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// The title band: the title's lines on the left; on the right of the first line the
    /// classes drawn with their colours, then the paper's speed and gain.
    static func paintTitle(_ request: PlotRequest, _ layout: PageLayout, on canvas: Canvas) {
        let y = 5.6
        let (classes, scale) = legend(request)
        canvas.font(size: titleSize)
        canvas.setColour(text)
        var right = canvas.text(scale, x: layout.width - 3, y: y, alignment: .right).lowerBound - 4
        for label in classes.reversed() {
            canvas.setColour(BeatPalette.colour(for: label, classes: request.classes))
            let left = canvas.text(label, x: right, y: y, alignment: .right).lowerBound
            canvas.fillRectangle(x: left - 2.6, y: y - 2.1, width: 2.1, height: 2.1)
            right = left - 4.5
        }
        canvas.setColour(text)
        canvas.font(size: titleSize, bold: true)
        for (index, line) in layout.title.enumerated() {
            canvas.text(line, x: 3, y: y + Double(index) * PageLayout.titleLineHeight)
        }
    }

    /// Each cell's lead name above its start, at the height of the calibration pulse's top.
    static func paintLeadNames(_ layout: PageLayout, on canvas: Canvas) {
        canvas.font(size: leadSize, bold: true)
        canvas.setColour(text)
        let rise = layout.paper.calibrationPulse ? layout.paper.gain : 3
        for strip in layout.strips {
            for cell in strip.cells where !cell.name.isEmpty {
                let x = cell.x == layout.traceX ? layout.calibrationX + 0.3 : cell.x + 1
                canvas.text(cell.name, x: x, y: strip.baseline - rise - 1.5)
            }
        }
    }

    /// Ticks and times below the paper, as far apart as keeps the labels readable.
    static func paintTimeAxis(_ layout: PageLayout, on canvas: Canvas) {
        let speed = layout.paper.speed
        let steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600]
        let step = steps.first { $0 * speed >= 15 } ?? steps.last!
        let start = Double(layout.window.lowerBound) / layout.fs
        let end = Double(layout.window.upperBound - 1) / layout.fs
        canvas.font(size: axisSize)
        canvas.setColour(text)
        var k = (start / step - 1e-9).rounded(.up)
        while k * step <= end + 1e-9 {
            let t = k * step
            let x = canvas.snapToPixelCentre(layout.traceX + (t - start) * speed)
            canvas.move(x, layout.gridBottom)
            canvas.line(x, layout.gridBottom + 1.2)
            canvas.stroke(width: 0.2, round: false)
            canvas.text(time(t, step: step), x: x, y: layout.gridBottom + 4.4, alignment: .centre)
            k += 1
        }
    }

    /// `12 s`, `12.5 s`, or past a minute `20:10` (`20:10.5`).
    static func time(_ t: Double, step: Double) -> String {
        let decimals = step < 1 ? 1 : 0
        let tenths = Int((t * 10).rounded())
        func seconds(_ tenths: Int) -> String {
            decimals == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
        }
        guard tenths >= 600 else { return seconds(tenths) + " s" }
        let minutes = tenths / 600
        let rest = seconds(tenths % 600)
        return "\(minutes):" + (tenths % 600 < 100 ? "0" : "") + rest
    }

    /// `25`, `12.5`.
    static func number(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }
}
