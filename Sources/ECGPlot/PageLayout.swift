/// Where everything goes on the page, in millimetres from the top-left corner.
///
/// The page is a title band, the paper with its strips, and a time axis band. Each strip
/// starts with its calibration pulse; the window starts on a major (5 mm) grid line, and on a
/// page of natural size every strip's baseline lies on one too.
struct PageLayout {
    /// A stretch of one lead on one strip.
    struct Cell {
        var lead: Int
        /// The name printed (the clinical spelling on a 12-lead page: `aVR` for a header's `AVR`).
        var name: String
        var samples: Range<Int>
        /// x of the cell's first sample.
        var x: Double
        /// The cell's median, drawn on the strip's baseline (ECG machines remove the offset too).
        var median: Double
        /// Extremes relative to the median, for sizing the strips.
        var high: Double
        var low: Double
    }

    /// One strip: a row of cells sharing a baseline.
    struct Strip {
        var top: Double
        var height: Double
        var baseline: Double
        var cells: [Cell]
        /// Whether the beat and reference marks go on this strip.
        var carriesMarks: Bool
        var bottom: Double { top + height }
    }

    static let titleLineHeight = 4.6
    static let axisBand = 7.0
    static let leftPad = 5.0
    static let rightPad = 5.0
    /// Room above the trace for beat labels, and below it for reference labels.
    static let markRoom = 7.5
    static let referenceRoom = 6.0
    static let pad = 2.5
    /// Lowest strip, for pages given a height.
    static let minimumStripHeight = 5.0
    /// Extremes beyond this many units do not enlarge the strips (they overlap their neighbours,
    /// as on an electrocardiograph).
    static let sizingClamp = 3.0

    let fs: Double
    let paper: Paper
    var width: Double
    var height: Double
    var strips: [Strip]
    /// The title, broken into lines that fit beside the legend.
    let title: [String]
    /// The height of the title band: the paper starts below it.
    let gridTop: Double
    /// x of the window's first sample on full-length strips.
    let traceX: Double
    /// x where each strip's calibration pulse area starts (the pulse sits in `calibrationWidth`).
    let calibrationX = leftPad
    let calibrationWidth: Double
    let window: Range<Int>

    var mmPerSample: Double { paper.speed / fs }
    var gridBottom: Double { height - Self.axisBand }
    /// The strip that carries the marks.
    var markedStrip: Strip? { strips.first { $0.carriesMarks } }

    /// x of `sample` in `cell`.
    func x(_ sample: Int, in cell: Cell) -> Double { cell.x + Double(sample - cell.samples.lowerBound) * mmPerSample }

    /// The natural layout of `request`: the page as large as its content.
    init(_ request: PlotRequest) throws(PlotError) {
        fs = request.fs
        paper = request.paper
        window = request.window
        calibrationWidth = paper.calibrationPulse ? Self.ceil5(Paper.pulseSeconds * paper.speed + 5) : 0
        let traceX = Self.leftPad + calibrationWidth
        self.traceX = traceX
        let mmPerSample = paper.speed / fs
        let leads = request.leads
        func cell(_ lead: Int, _ samples: Range<Int>, x: Double, name: String? = nil) -> Cell {
            let (median, high, low) = Self.levels(leads[lead].samples[samples])
            return Cell(
                lead: lead, name: name ?? leads[lead].name, samples: samples, x: x, median: median, high: high, low: low
            )
        }
        func full(_ lead: Int) -> Cell { cell(lead, request.window, x: traceX) }
        var rows: [[Cell]]
        var marked: Int
        /// Rows sized together (the three rows of a 12-lead page).
        var uniform = 0..<0
        switch request.layout {
        case .strip(let lead):
            rows = [[full(lead)]]
            marked = 0
        case .stack(let leads):
            rows = leads.map { [full($0)] }
            marked = request.markedLead.flatMap { leads.firstIndex(of: $0) } ?? 0
        case .twelveLead(let leads, let rhythm):
            let quarter = request.window.count / 4
            rows = StandardLeads.rows.map { positions in
                positions.enumerated().map { column, position in
                    let start = request.window.lowerBound + column * quarter
                    let end = column == 3 ? request.window.upperBound : start + quarter
                    return cell(
                        leads[position], start..<end, x: traceX + Double(column * quarter) * mmPerSample,
                        name: StandardLeads.names[position])
                }
            }
            uniform = 0..<3
            let names = Dictionary(zip(leads, StandardLeads.names), uniquingKeysWith: { first, _ in first })
            rows += rhythm.map { [cell($0, request.window, x: traceX, name: names[$0])] }
            marked = 3 + (request.markedLead.flatMap { rhythm.firstIndex(of: $0) } ?? 0)
        }
        // Each strip as tall as its highest peak and deepest trough need, its baseline on a
        // major line; the rows of a 12-lead page alike.
        let gain = paper.gain
        let calibration = paper.calibrationPulse ? gain + 5 : 0
        let hasReferences = !request.references.isEmpty
        var extents = rows.enumerated().map { index, cells -> (above: Double, below: Double) in
            let high = cells.map { min($0.high, Self.sizingClamp) }.max() ?? 0
            let low = cells.map { max($0.low, -Self.sizingClamp) }.min() ?? 0
            let top = index == marked ? Self.markRoom : Self.pad
            let bottom = index == marked && hasReferences ? Self.referenceRoom : Self.pad
            return (
                Self.ceil5(max(top + high * gain, calibration, 2 * Self.pad)),
                Self.ceil5(max(bottom - low * gain, 2 * Self.pad))
            )
        }
        if !uniform.isEmpty {
            let above = extents[uniform].map(\.above).max()!
            let below = extents[uniform].map(\.below).max()!
            for index in uniform { extents[index] = (above, below) }
        }
        width = traceX + Double(request.window.count) * mmPerSample + Self.rightPad
        let measure = try TextMeasure()
        title = LabelPainter.titleLines(request, pageWidth: width, measure: measure)
        gridTop = 8 + Double(max(title.count, 1) - 1) * Self.titleLineHeight
        var top = gridTop
        strips = []
        for (index, cells) in rows.enumerated() {
            let (above, below) = extents[index]
            strips.append(
                Strip(
                    top: top, height: above + below, baseline: top + above, cells: cells, carriesMarks: index == marked)
            )
            top += above + below
        }
        height = top + Self.axisBand
    }

    /// The least page height the strips fit in.
    var minimumHeight: Double { gridTop + Double(strips.count) * Self.minimumStripHeight + Self.axisBand }

    /// Stretches or squeezes the strips to a page `page.heightMm` high and `page.widthMm` wide
    /// (extra width extends the paper to the right). Each strip keeps its share of the height;
    /// a baseline keeps its share of its strip or, when the strips grow, the extra room is
    /// shared above and below the trace.
    mutating func fit(_ page: ResolvedPage) {
        width = page.widthMm
        guard abs(page.heightMm - height) > 1e-9, !strips.isEmpty else { return }
        let natural = height - gridTop - Self.axisBand
        let factor = (page.heightMm - gridTop - Self.axisBand) / natural
        var top = gridTop
        for index in strips.indices {
            let strip = strips[index]
            let height = strip.height * factor
            let above = strip.baseline - strip.top
            let newAbove = factor >= 1 ? above + (height - strip.height) / 2 : above * factor
            // On a minor grid line (a whole millimetre below the grid's top) when that keeps it inside.
            let exact = top + newAbove
            let onLine = gridTop + (exact - gridTop).rounded()
            strips[index].top = top
            strips[index].height = height
            strips[index].baseline = onLine > top && onLine < top + height ? onLine : exact
            top += height
        }
        self.height = page.heightMm
    }

    /// Median, highest and lowest value relative to the median of the finite samples.
    static func levels(_ samples: ArraySlice<Double>) -> (median: Double, high: Double, low: Double) {
        // The median of at most ~8000 evenly spaced samples: exact for strips, close for hours.
        let step = max(1, samples.count / 8192)
        var picked: [Double] = []
        picked.reserveCapacity(samples.count / step + 1)
        var index = samples.startIndex
        while index < samples.endIndex {
            if samples[index].isFinite { picked.append(samples[index]) }
            index += step
        }
        guard !picked.isEmpty else { return (0, 0, 0) }
        let middle = picked.count / 2
        select(middle, in: &picked)
        let median = picked.count % 2 == 1 ? picked[middle] : (picked[..<middle].max()! + picked[middle]) / 2
        var high = -Double.infinity
        var low = Double.infinity
        for value in samples where value.isFinite {
            high = max(high, value)
            low = min(low, value)
        }
        return (median, high - median, low - median)
    }

    /// Moves the value that sorting would put at `k` there, smaller or equal values before it
    /// and greater or equal ones after (Hoare's selection: linear time instead of a sort's
    /// n log n; a range that will not shrink is sorted instead). `values` are finite.
    static func select(_ k: Int, in values: inout [Double]) {
        values.withUnsafeMutableBufferPointer { v in
            var (low, high) = (0, v.count - 1)
            var rounds = 0
            while low < high {
                rounds += 1
                guard rounds <= 64 else {
                    v[low...high].sort()
                    return
                }
                let (a, b, c) = (v[low], v[low + (high - low) / 2], v[high])
                let pivot = max(min(a, b), min(max(a, b), c))
                var (i, j) = (low, high)
                while i <= j {
                    while v[i] < pivot { i += 1 }
                    while v[j] > pivot { j -= 1 }
                    if i <= j {
                        v.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                // Now v[low...j] <= pivot <= v[i...high], and values between equal the pivot.
                if k <= j {
                    high = j
                } else if k >= i {
                    low = i
                } else {
                    return
                }
            }
        }
    }

    static func ceil5(_ x: Double) -> Double { (x / 5 - 1e-9).rounded(.up) * 5 }
}
