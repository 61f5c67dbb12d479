import CCairo

/// A Cairo context that draws in millimetres from the page's top-left corner.
///
/// On raster surfaces grid lines and horizontal strokes can be snapped to device pixels, so
/// that a 1-pixel line is one crisp pixel rather than two half-grey ones; positions snap to the
/// nearest pixel and never accumulate error, so distances stay exact to half a pixel.
final class Canvas {
    /// `cairo_t *`.
    let cairo: OpaquePointer
    /// Device units (pixels, SVG millimetres or PDF points) per millimetre.
    let scale: Double
    let isRaster: Bool

    enum Alignment { case left, centre, right }

    init(_ target: RenderTarget) throws(PlotError) {
        guard let context = cairo_create(target.surface) else { throw .rendering("cannot create a context") }
        cairo = context
        scale = target.unitsPerMm
        isRaster = target.isRaster
        guard cairo_status(cairo) == CAIRO_STATUS_SUCCESS else {
            let message = String(cString: cairo_status_to_string(cairo_status(cairo)))
            cairo_destroy(cairo)
            throw .rendering(message)
        }
        cairo_scale(cairo, scale, scale)
        // Cairo's fast antialiasing (a 4 x 4 sample grid instead of 16 x 16) looks the same on
        // 1-2 pixel traces and strokes a noisy 10 s trace four times faster.
        if isRaster { cairo_set_antialias(cairo, CAIRO_ANTIALIAS_FAST) }
        // Text metrics independent of the resolution, so a page lays out alike at every size.
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_set_font_options(cairo, options)
        cairo_font_options_destroy(options)
    }

    deinit { cairo_destroy(cairo) }

    /// One device pixel in millimetres (for vector surfaces: a 1200 dpi dot).
    var pixel: Double { isRaster ? 1 / scale : 25.4 / 1200 }

    /// `mm` moved to the centre of the device pixel it falls in (raster only).
    func snapToPixelCentre(_ mm: Double) -> Double {
        isRaster ? ((mm * scale).rounded(.down) + 0.5) / scale : mm
    }

    /// The length `mm` rounded to whole device pixels (raster only).
    func wholePixels(_ mm: Double) -> Double {
        isRaster ? (mm * scale).rounded() / scale : mm
    }

    /// A line width of `mm`, at least one device pixel.
    func lineWidth(_ mm: Double) -> Double { max(mm, pixel) }

    func setColour(_ colour: Colour, alpha: Double = 1) {
        let (r, g, b) = (Double(colour.red) / 255, Double(colour.green) / 255, Double(colour.blue) / 255)
        if alpha < 1 { cairo_set_source_rgba(cairo, r, g, b, alpha) } else { cairo_set_source_rgb(cairo, r, g, b) }
    }

    func fillRectangle(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(cairo, x, y, width, height)
        cairo_fill(cairo)
    }

    func move(_ x: Double, _ y: Double) { cairo_move_to(cairo, x, y) }
    func line(_ x: Double, _ y: Double) { cairo_line_to(cairo, x, y) }

    /// Strokes the current path `width` mm wide with round joins (traces) or butt ends (rules).
    func stroke(width: Double, round: Bool = true) {
        cairo_set_line_width(cairo, lineWidth(width))
        cairo_set_line_join(cairo, round ? CAIRO_LINE_JOIN_ROUND : CAIRO_LINE_JOIN_MITER)
        cairo_set_line_cap(cairo, round ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
        cairo_stroke(cairo)
    }

    func fill() { cairo_fill(cairo) }

    /// Limits drawing to a rectangle until `resetClip`.
    func clip(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(cairo, x, y, width, height)
        cairo_clip(cairo)
    }

    func resetClip() { cairo_reset_clip(cairo) }

    /// Fills device-pixel rectangles with an opaque colour, no antialiasing (raster only):
    /// `rectangles` as (x, y, width, height) in pixels, clipped to the page, ignoring any clip
    /// set. Written straight into the image's pixels, which for the hundreds of one-pixel grid
    /// lines of a page is many times faster than Cairo's rasteriser, and the same pixels.
    func fillPixelRectangles(_ rectangles: [(Int, Int, Int, Int)], colour: Colour) {
        let surface = cairo_get_target(cairo)
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return }
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let pixel = 0xFF00_0000 | UInt32(colour.red) << 16 | UInt32(colour.green) << 8 | UInt32(colour.blue)
        for (x, y, w, h) in rectangles {
            let (left, right) = (max(0, x), min(width, x + w))
            let (top, bottom) = (max(0, y), min(height, y + h))
            guard left < right, top < bottom else { continue }
            for row in top..<bottom {
                let pixels = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
                (pixels + left).update(repeating: pixel, count: right - left)
            }
        }
        cairo_surface_mark_dirty(surface)
    }

    // MARK: Text

    /// Selects DejaVu Sans (the bootstrap installs fonts-dejavu-core) `size` mm high (the em).
    func font(size: Double, bold: Bool = false) {
        cairo_select_font_face(
            cairo, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cairo, size)
    }

    /// The advance width of `text` in the current font, in millimetres.
    func width(of text: String) -> Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cairo, text, &extents)
        return extents.x_advance
    }

    /// Draws `text` with its baseline at `y`, aligned on `x`; returns the x range it covers.
    @discardableResult
    func text(_ text: String, x: Double, y: Double, alignment: Alignment = .left) -> ClosedRange<Double> {
        let width = width(of: text)
        let left =
            switch alignment {
            case .left: x
            case .centre: x - width / 2
            case .right: x - width
            }
        cairo_move_to(cairo, left, y)
        cairo_show_text(cairo, text)
        return left...(left + width)
    }
}
