import Foundation
import PlotTestSupport
import XCTest

@testable import ECGPlot

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The three formats: a PNG of the page's pixels, well-formed SVG sized in millimetres, a PDF
/// page of the page's size.
final class FormatTests: XCTestCase {
    private let request = stripRequest(
        SyntheticECG(fs: 360, seconds: 6).samples, beats: [BeatMark(sample: 180, label: "N")])

    func testPNGHasThePagesPixels() throws {
        let plot = try ECGPlotter.render(request, size: PageSize(width: .pixels(1200), height: .pixels(400)))
        XCTAssertEqual(Array(plot.data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let image = try DecodedPNG(plot.data)
        XCTAssertEqual([image.width, image.height], [1200, 400])
        XCTAssertEqual([plot.page.widthPixels, plot.page.heightPixels], [1200, 400])
    }

    func testSVGIsWellFormedWithTheExpectedElements() throws {
        let plot = try ECGPlotter.render(request, format: .svg)
        let collector = SVGCollector()
        let parser = XMLParser(data: Data(plot.data))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        XCTAssertEqual(collector.root, "svg")
        let page = plot.page
        XCTAssertEqual(collector.rootAttributes["width"], "\(LabelPainter.number(page.widthMm))mm")
        XCTAssertEqual(collector.rootAttributes["height"], "\(LabelPainter.number(page.heightMm))mm")
        XCTAssertEqual(
            collector.rootAttributes["viewBox"],
            "0 0 \(LabelPainter.number(page.widthMm)) \(LabelPainter.number(page.heightMm))")
        // Text as glyphs, the grid's lines, the trace in black, the mark in its class's colour.
        XCTAssertGreaterThan(collector.count["symbol", default: 0], 10)
        XCTAssertGreaterThan(collector.count["use", default: 0], 10)
        XCTAssertTrue(collector.styles.contains { $0.contains("stroke:rgb(0%,0%,0%)") }, "a black trace")
        let major = PaperStyle.ecg.gridColours!.major
        XCTAssertTrue(
            collector.styles.contains {
                $0.contains("stroke:rgb(\(percent(major.red))%,\(percent(major.green))%,\(percent(major.blue))%)")
            })
        let green = BeatPalette.bluishGreen
        XCTAssertTrue(
            collector.styles.contains {
                $0.contains("fill:rgb(\(percent(green.red))%,\(percent(green.green))%,\(percent(green.blue))%)")
            })
    }

    func testPDFHasOnePageOfTheAskedSize() throws {
        let plot = try ECGPlotter.render(
            request, size: PageSize(width: .millimetres(297), height: .millimetres(100)), format: .pdf)
        let text = String(decoding: plot.data, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("%PDF-"))
        XCTAssertTrue(text.hasSuffix("%%EOF\n"))
        let boxes = text.matches(of: /\/MediaBox \[ *0 +0 +([0-9.]+) +([0-9.]+) *\]/)
        XCTAssertEqual(boxes.count, 1, "one page")
        let box = try XCTUnwrap(boxes.first)
        XCTAssertEqual(try XCTUnwrap(Double(box.1)), 297 * 72 / 25.4, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(Double(box.2)), 100 * 72 / 25.4, accuracy: 0.01)
    }

    /// Cairo writes SVG colours as percentages with up to six decimals.
    private func percent(_ channel: UInt8) -> String {
        let value = Double(channel) / 255 * 100
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// Counts elements and collects the root's attributes and every style attribute.
private final class SVGCollector: NSObject, XMLParserDelegate {
    var root: String?
    var rootAttributes: [String: String] = [:]
    var count: [String: Int] = [:]
    var styles: [String] = []

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if root == nil {
            root = name
            rootAttributes = attributes
        }
        count[name, default: 0] += 1
        if let style = attributes["style"] { styles.append(style) }
    }
}
