/// Measures text in millimetres before a page exists, so that a layout can break its title.
///
/// Fonts are set up as on every page (hint metrics off), so widths do not depend on the
/// resolution the page is drawn at.
struct TextMeasure {
    private let canvas: Canvas

    init() throws(PlotError) {
        canvas = try Canvas(RenderTarget(format: .png, page: ResolvedPage(widthMm: 1, heightMm: 1, dpi: 25.4)))
    }

    /// The advance width of `text` at `size` mm, in millimetres.
    func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        canvas.font(size: size, bold: bold)
        return canvas.width(of: text)
    }
}
