/// Draws traces and calibration pulses.
enum TracePainter {
    /// Trace width in millimetres (electrocardiograph pens draw about 0.3 mm).
    static let width = 0.3

    /// Draws the samples of `cell` around the strip's baseline.
    ///
    /// Where several samples fall on one device pixel column, the path keeps each column's
    /// minimum and maximum in the order they occur, which draws the same envelope as every
    /// sample at a fraction of the cost (an hour of ECG is millions of samples). NaN samples
    /// (missing data) leave a gap.
    static func paint(
        _ cell: PageLayout.Cell, samples: [Double], baseline: Double, layout: PageLayout, on canvas: Canvas
    ) {
        let gain = layout.paper.gain
        let step = layout.mmPerSample
        let base = canvas.snapToPixelCentre(baseline)
        let median = cell.median
        func y(_ value: Double) -> Double { base - (value - median) * gain }
        let column = canvas.pixel
        var penDown = false
        func point(_ x: Double, _ value: Double) {
            if penDown { canvas.line(x, y(value)) } else { canvas.move(x, y(value)) }
            penDown = true
        }
        let range = cell.samples
        if step >= column / 2 {
            for index in range {
                let value = samples[index]
                if value.isFinite {
                    point(cell.x + Double(index - range.lowerBound) * step, value)
                } else {
                    penDown = false
                }
            }
        } else {
            // Columns one device pixel wide; per column the extremes in time order.
            var current = -1
            var low = (index: 0, value: Double.infinity)
            var high = (index: 0, value: -Double.infinity)
            func flush() {
                guard current >= 0, low.value <= high.value else { return }
                let x = cell.x + (Double(current) + 0.5) * column
                if low.index <= high.index {
                    point(x, low.value)
                    point(x, high.value)
                } else {
                    point(x, high.value)
                    point(x, low.value)
                }
                current = -1
            }
            for index in range {
                let value = samples[index]
                guard value.isFinite else {
                    flush()
                    penDown = false
                    continue
                }
                let c = Int(Double(index - range.lowerBound) * step / column)
                if c != current {
                    flush()
                    current = c
                    low = (index, value)
                    high = (index, value)
                } else if value < low.value {
                    low = (index, value)
                } else if value > high.value {
                    high = (index, value)
                }
            }
            flush()
        }
        canvas.setColour(.black)
        canvas.stroke(width: width)
    }

    /// The 1-unit calibration pulse at the start of a strip: baseline, a step up by `gain` mm
    /// for 0.2 s, back down, baseline. Its corners sit on device pixel centres, so its height is
    /// exactly `gain` mm to the nearest pixel.
    static func paintCalibration(baseline: Double, layout: PageLayout, on canvas: Canvas) {
        let start = layout.calibrationX
        let pulse = Paper.pulseSeconds * layout.paper.speed
        let rise = canvas.snapToPixelCentre(start + (layout.calibrationWidth - pulse) / 2)
        let fall = rise + canvas.wholePixels(pulse)
        let base = canvas.snapToPixelCentre(baseline)
        let top = base - canvas.wholePixels(layout.paper.gain)
        canvas.move(start, base)
        canvas.line(rise, base)
        canvas.line(rise, top)
        canvas.line(fall, top)
        canvas.line(fall, base)
        canvas.line(start + layout.calibrationWidth, base)
        canvas.setColour(.black)
        canvas.stroke(width: width, round: false)
    }

    /// The short bars between the columns of a 12-lead page, where the lead changes.
    static func paintSeparator(x: Double, baseline: Double, on canvas: Canvas) {
        let snapped = canvas.snapToPixelCentre(x)
        canvas.move(snapped, baseline - 2.5)
        canvas.line(snapped, baseline + 2.5)
        canvas.setColour(.black)
        canvas.stroke(width: width, round: false)
    }
}
