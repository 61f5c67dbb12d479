/// Draws the paper's grid: 1 mm minor lines and 5 mm major lines over the strips' area.
enum GridPainter {
    /// Line widths in millimetres (raster lines are at least one pixel).
    static let minorWidth = 0.1
    static let majorWidth = 0.2
    /// Grid lines closer than this many device pixels are left out (they would fill the paper).
    static let minimumPitchPixels = 3.0

    static func paint(_ layout: PageLayout, style: PaperStyle, on canvas: Canvas) {
        guard let colours = style.gridColours else { return }
        let columns = Int((layout.width + 1e-9).rounded(.down))
        let rows = Int((layout.gridBottom - layout.gridTop + 1e-9).rounded(.down))
        for major in [false, true] {
            let pitch = major ? 5 : 1
            if canvas.isRaster && canvas.scale * Double(pitch) < minimumPitchPixels { continue }
            let xs = stride(from: 0, through: columns, by: pitch).filter { major || $0 % 5 != 0 }.map(Double.init)
            let ys = stride(from: 0, through: rows, by: pitch).filter { major || $0 % 5 != 0 }
                .map { layout.gridTop + Double($0) }
            let colour = major ? colours.major : colours.minor
            let width = major ? majorWidth : minorWidth
            if canvas.isRaster {
                paintPixelLines(xs: xs, ys: ys, width: width, colour: colour, layout: layout, on: canvas)
            } else {
                canvas.setColour(colour)
                for x in xs {
                    canvas.move(x, layout.gridTop)
                    canvas.line(x, layout.gridBottom)
                }
                for y in ys {
                    canvas.move(0, y)
                    canvas.line(layout.width, y)
                }
                canvas.stroke(width: width, round: false)
            }
        }
    }

    /// Lines as whole-pixel rectangles: line `x` mm covers the pixel column nearest to it (and,
    /// when wider than a pixel, the columns around it).
    private static func paintPixelLines(
        xs: [Double], ys: [Double], width: Double, colour: Colour, layout: PageLayout, on canvas: Canvas
    ) {
        let scale = canvas.scale
        let lineWidth = max(1, Int((width * scale).rounded()))
        func pixel(_ mm: Double) -> Int { Int((mm * scale).rounded()) }
        let (top, bottom, right) = (pixel(layout.gridTop), pixel(layout.gridBottom), pixel(layout.width))
        var rectangles: [(Int, Int, Int, Int)] = []
        rectangles.reserveCapacity(xs.count + ys.count)
        for x in xs { rectangles.append((pixel(x) - lineWidth / 2, top, lineWidth, bottom - top + 1)) }
        for y in ys { rectangles.append((0, pixel(y) - lineWidth / 2, right + 1, lineWidth)) }
        canvas.fillPixelRectangles(rectangles, colour: colour)
    }
}
