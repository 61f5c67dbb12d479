import CCairo

/// The formats a picture can be written in.
public enum PlotFormat: String, Sendable, CaseIterable {
    /// A raster image at the page's resolution.
    case png
    /// Scalable vector graphics, sized in millimetres.
    case svg
    /// A one-page PDF of the page's size.
    case pdf
}

/// A Cairo surface of one page in one format, and the bytes it writes.
final class RenderTarget {
    /// `cairo_surface_t *`.
    let surface: OpaquePointer
    let format: PlotFormat
    let page: ResolvedPage
    /// Device units per millimetre.
    let unitsPerMm: Double
    var isRaster: Bool { format == .png }
    private let sink = ByteSink()

    /// Collects what a stream surface writes.
    private final class ByteSink {
        var bytes: [UInt8] = []
    }

    init(format: PlotFormat, page: ResolvedPage) throws(PlotError) {
        self.format = format
        self.page = page
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        let made: OpaquePointer?
        switch format {
        case .png:
            unitsPerMm = page.pixelsPerMm
            made = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(page.widthPixels), Int32(page.heightPixels))
        case .svg:
            // The SVG's width and height in millimetres, its user unit one millimetre.
            unitsPerMm = 1
            made = cairo_svg_surface_create_for_stream(Self.append, closure, page.widthMm, page.heightMm)
            if let made { cairo_svg_surface_set_document_unit(made, CAIRO_SVG_UNIT_MM) }
        case .pdf:
            unitsPerMm = 72 / 25.4
            made = cairo_pdf_surface_create_for_stream(
                Self.append, closure, page.widthMm * unitsPerMm, page.heightMm * unitsPerMm)
        }
        guard let made else { throw .rendering("cannot create a \(format.rawValue) surface") }
        surface = made
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw .rendering(String(cString: cairo_status_to_string(status)))
        }
    }

    deinit { cairo_surface_destroy(surface) }

    /// Ends drawing and returns the file's bytes.
    func finish() throws(PlotError) -> [UInt8] {
        switch format {
        case .png:
            return try PNGEncoder.encode(surface)
        case .svg, .pdf:
            cairo_surface_finish(surface)
            let status = cairo_surface_status(surface)
            guard status == CAIRO_STATUS_SUCCESS else {
                throw .rendering(String(cString: cairo_status_to_string(status)))
            }
        }
        return sink.bytes
    }

    private static let append: cairo_write_func_t = { closure, data, length in
        guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }
}
