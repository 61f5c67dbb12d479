import Foundation
import JSONRPC
import PlotTestSupport
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `plotSegment` through the real binary, over stdio and over TCP: every layout, every format,
/// the model path, cut beats, and a clear error for every bad parameter.
final class PlotSegmentTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    private static let arguments = [
        "--data-root", repository.appendingPathComponent("Tests/Data").path,
        "--models", repository.appendingPathComponent("Tests/Data/models").path, "--log-level", "warning",
    ]

    private enum Transport: String, CaseIterable { case stdio, tcp }

    /// Runs `body` against a fresh ecgd over each transport, then checks that it stops cleanly.
    private func overEachTransport(_ body: (FrameClient, Transport) throws -> Void) throws {
        for transport in Transport.allCases {
            switch transport {
            case .stdio:
                let process = try EcgdProcess(["--stdio"] + Self.arguments)
                let client = process.client()
                try client.initialize()
                try body(client, transport)
                XCTAssertEqual(try client.call("bye", "shutdown")["result"], JSONValue.null)
                try client.sendNotification("exit")
                _ = try client.readToEnd()
                XCTAssertEqual(try process.waitForExit(), .exit(0), process.stderr.text)
            case .tcp:
                let process = try EcgdProcess(["--tcp", "127.0.0.1:0"] + Self.arguments)
                let client = try FrameClient.connect(port: try process.listeningPort())
                try client.initialize()
                try body(client, transport)
                client.close()
                process.deliver(signal: SIGTERM)
                XCTAssertEqual(try process.waitForExit(), .exit(0), process.stderr.text)
            }
        }
    }

    private var nextID = 0

    /// The result of `method`, or a failure naming the error.
    private func call(_ client: FrameClient, _ method: String, _ params: JSONValue) throws -> JSONValue {
        nextID += 1
        let response = try client.call(.number(Double(nextID)), method, params)
        guard let result = response["result"] else {
            throw E2EError("\(method) failed: \(response["error"] ?? response)")
        }
        return result
    }

    private func png(_ result: JSONValue) throws -> DecodedPNG {
        XCTAssertEqual(result["format"], "png")
        let data = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(result["data"]?.stringValue)))
        let image = try DecodedPNG([UInt8](data))
        XCTAssertEqual(image.width, result["width"]?.intValue)
        XCTAssertEqual(image.height, result["height"]?.intValue)
        return image
    }

    /// A clean synthetic ECG: a 1 mV R wave every 0.8 s from 0.5 s.
    private func syntheticECG(fs: Double = 360, seconds: Double = 10) -> (samples: [Double], peaks: [Int]) {
        let peaks = stride(from: 0.5, to: seconds, by: 0.8).map { Int(($0 * fs).rounded()) }
        var samples = [Double](repeating: 0, count: Int(seconds * fs))
        for peak in peaks {
            for i in max(0, peak - 40)..<min(samples.count, peak + 40) {
                let z = Double(i - peak) / (0.01 * fs)
                samples[i] +=
                    exp(-0.5 * z * z) - 0.2 * exp(-0.5 * pow(Double(i - peak - Int(0.03 * fs)) / (0.008 * fs), 2))
            }
        }
        return (samples, peaks)
    }

    // MARK: Layouts and formats

    /// A strip of inline samples with given peaks and labels, 1200 x 400 px: the VEB's mark is
    /// vermillion above its R-peak, 15 mm + t x 25 mm/s from the left edge.
    func testStripPNGWithGivenLabels() throws {
        let ecg = syntheticECG()
        let labels: [JSONValue] = ecg.peaks.indices.map { $0 == 4 ? "VEB" : "N" }
        try overEachTransport { client, transport in
            let result = try call(
                client, "plotSegment",
                [
                    "signal": ["fs": 360, "data": .array(ecg.samples.map { .number($0) }), "leadNames": ["MLII"]],
                    "peaks": .array(ecg.peaks.map { .number(Double($0)) }), "labels": .array(labels),
                    "probabilities": .array(ecg.peaks.map { _ in 0.75 }), "showProbabilities": true,
                    "size": ["width": 1200, "height": 400], "highlight": 4,
                ])
            let image = try png(result)
            XCTAssertEqual([image.width, image.height], [1200, 400], "\(transport)")
            XCTAssertEqual(result["layout"], "strip")
            XCTAssertEqual(result["leads"], ["MLII"])
            XCTAssertEqual(result["window"]?["startSample"], 0)
            XCTAssertEqual(result["window"]?["endSample"], 3600)
            let beats = try XCTUnwrap(result["beats"]?.arrayValue)
            XCTAssertEqual(beats.map { $0["sample"]?.intValue }, ecg.peaks.map { $0 })
            XCTAssertEqual(beats[4]["label"], "VEB")
            XCTAssertEqual(beats[4]["highlighted"], true)
            XCTAssertEqual(beats[4]["probability"], 0.75)
            let pixelsPerMm = try XCTUnwrap(result["dpi"]?.numberValue) / 25.4
            func columns(_ sample: Int) -> ClosedRange<Int> {
                let x = Int(((15 + Double(sample) / 360 * 25) * pixelsPerMm).rounded())
                return (x - 1)...(x + 1)
            }
            func marked(_ sample: Int, _ rgb: UInt32) -> Bool {
                columns(sample).contains { x in
                    (Int(8 * pixelsPerMm)..<Int(16 * pixelsPerMm)).contains {
                        image.isColour(rgb, x: x, y: $0, tolerance: 10)
                    }
                }
            }
            XCTAssertTrue(marked(ecg.peaks[4], 0xD55E00), "\(transport): vermillion VEB mark")
            XCTAssertTrue(marked(ecg.peaks[3], 0x009E73), "\(transport): green N mark")
            XCTAssertFalse(marked(ecg.peaks[3], 0xD55E00), "\(transport): no VEB mark on an N beat")
        }
    }

    /// Two leads of MIT-BIH 208 stacked, as SVG, with the record's reference annotations and
    /// the R-peaks ecgd detects.
    func testStackSVGWithReferenceAnnotations() throws {
        try overEachTransport { client, transport in
            let result = try call(
                client, "plotSegment",
                [
                    "signal": ["path": "mitdb/208"], "layout": "stack", "leads": ["MLII", 1],
                    "window": ["start": 60, "end": 70],
                    "reference": "atr", "format": "svg",
                ])
            XCTAssertEqual(result["format"], "svg")
            XCTAssertEqual(result["leads"], ["MLII", "V1"])
            let svg = try XCTUnwrap(result["data"]?.stringValue)
            let root = try rootAttributes(svg)
            XCTAssertEqual(root["width"], "\(format(try XCTUnwrap(result["widthMm"]?.numberValue)))mm", "\(transport)")
            XCTAssertEqual(root["height"], "\(format(try XCTUnwrap(result["heightMm"]?.numberValue)))mm")
            let detected = try XCTUnwrap(result["beats"]?.arrayValue)
            let references = try XCTUnwrap(result["references"]?.arrayValue)
            XCTAssertGreaterThan(references.count, 10)
            XCTAssertTrue(
                references.allSatisfy { ($0["sample"]?.intValue).map { (21600..<25200).contains($0) } == true })
            // ecgd's detector and the cardiologists' annotations agree within 150 ms here.
            for reference in references {
                let sample = try XCTUnwrap(reference["sample"]?.intValue)
                XCTAssertTrue(
                    detected.contains { abs(($0["sample"]?.intValue ?? -999) - sample) <= 54 },
                    "reference beat at \(sample)")
            }
        }
    }

    /// The 12-lead page of a PTB-XL-style record (500 Hz and 100 Hz, format 16, leads named
    /// AVR, AVL, AVF), as PNG and PDF; the beats found on lead II match the record's annotations.
    func testTwelveLeadPageAsPNGAndPDF() throws {
        try overEachTransport { client, transport in
            for record in ["ptbxl-synthetic/synth12_hr", "ptbxl-synthetic/synth12_lr"] {
                let params: JSONValue = ["signal": ["path": .string(record)], "layout": "12lead", "reference": "atr"]
                let result = try call(client, "plotSegment", params)
                let image = try png(result)
                XCTAssertGreaterThan(image.height, image.width / 2, "\(record): a page, not a strip")
                // The standard leads as the record names them, then the rhythm strip.
                XCTAssertEqual(
                    result["leads"], ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6", "II"])
                let detected = try XCTUnwrap(result["beats"]?.arrayValue).compactMap { $0["sample"]?.intValue }
                let references = try XCTUnwrap(result["references"]?.arrayValue)
                XCTAssertEqual(
                    references.map { $0["label"] }, ["N", "N", "N", "N", "N", "N", "N", "V", "N", "N", "N"], "\(record)"
                )
                let fs = try XCTUnwrap(result["window"]?["fs"]?.numberValue)
                for reference in references.compactMap({ $0["sample"]?.intValue }) {
                    XCTAssertTrue(
                        detected.contains { abs($0 - reference) <= Int(0.15 * fs) },
                        "\(transport) \(record): beat at \(reference)")
                }
                XCTAssertEqual(detected.count, references.count, "\(record)")

                let pdf = try call(client, "plotSegment", params.merging(["format": "pdf"]))
                let bytes = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(pdf["data"]?.stringValue)))
                let text = String(decoding: bytes, as: UTF8.self)
                XCTAssertTrue(text.hasPrefix("%PDF-"))
                let box = try XCTUnwrap(text.firstMatch(of: /\/MediaBox \[ *0 +0 +([0-9.]+) +([0-9.]+) *\]/))
                XCTAssertEqual(
                    try XCTUnwrap(Double(box.1)), try XCTUnwrap(pdf["widthMm"]?.numberValue) * 72 / 25.4, accuracy: 0.01
                )
                XCTAssertEqual(
                    try XCTUnwrap(Double(box.2)), try XCTUnwrap(pdf["heightMm"]?.numberValue) * 72 / 25.4,
                    accuracy: 0.01)
            }
        }
    }

    /// The second app's convenience: the most confident abnormal beat of a record, with context,
    /// exactly as `classify` labels it.
    func testMostConfidentAbnormalBeatOfARecord() throws {
        try overEachTransport { client, transport in
            let classified = try call(client, "classify", ["model": "demo-aami5", "signal": ["path": "mitdb/119"]])
            let best = try XCTUnwrap(classified["summary"]?["mostConfidentAbnormal"])
            let sample = try XCTUnwrap(best["sample"]?.intValue)
            let result = try call(
                client, "plotSegment",
                [
                    "signal": ["path": "mitdb/119"], "model": "demo-aami5",
                    "window": ["beat": "mostConfidentAbnormal", "before": 1.5, "after": 2.5],
                ])
            XCTAssertEqual(result["model"], "demo-aami5")
            XCTAssertEqual(result["window"]?["startSample"]?.intValue, sample - 540, "\(transport)")
            XCTAssertEqual(result["window"]?["endSample"]?.intValue, sample + 901)
            let highlighted = try XCTUnwrap(result["beats"]?.arrayValue?.first { $0["highlighted"] == true })
            XCTAssertEqual(highlighted["sample"]?.intValue, sample)
            XCTAssertEqual(highlighted["label"], best["label"])
            XCTAssertEqual(highlighted["probability"], best["probability"])
            // Every drawn beat carries classify's label and probability for that R-peak.
            let bySample = Dictionary(
                uniqueKeysWithValues: try XCTUnwrap(classified["beats"]?.arrayValue).map {
                    ($0["sample"]?.intValue ?? -1, $0)
                })
            for beat in try XCTUnwrap(result["beats"]?.arrayValue) {
                let classifiedBeat = try XCTUnwrap(bySample[try XCTUnwrap(beat["sample"]?.intValue)])
                XCTAssertEqual(beat["label"], classifiedBeat["label"])
                XCTAssertEqual(beat["probability"], classifiedBeat["probability"])
            }
            XCTAssertTrue(try XCTUnwrap(result["title"]?.stringValue).contains("demo-aami5"))
            _ = try png(result)
        }
    }

    /// The first app's core feature: one beat of a Kachuee CSV with its predicted class and
    /// probability (as classify gives them) and its true label.
    func testOneBeatOfAKachueeCSV() throws {
        try overEachTransport { client, transport in
            // Real beats in the Kachuee format, cut by ecgd itself from MIT-BIH 119.
            let extracted = try call(
                client, "extractBeats",
                [
                    "signal": ["path": "mitdb/119"], "peaks": [309, 504, 977],
                    "inputSpec": [
                        "samplingRate": 125, "samplesBefore": 0, "samplesAfter": 187, "segmentation": "kachuee",
                    ],
                ])
            let values = try floats(extracted["windows"])
            let csv =
                (0..<3).map { row in
                    values[(row * 187)..<((row + 1) * 187)].map { String(Double($0)) }.joined(separator: ",")
                        + ",\(row == 1 ? 1 : 0)"
                }.joined(separator: "\n") + "\n"
            let classified = try call(client, "classify", ["model": "kachuee187-demo", "beats": ["csv": .string(csv)]])
            let result = try call(
                client, "plotSegment",
                [
                    "beats": ["csv": .string(csv)], "index": 1, "model": "kachuee187-demo", "showProbabilities": true,
                ])
            let beat = try XCTUnwrap(result["beats"]?.arrayValue?.first)
            let expected = try XCTUnwrap(classified["beats"]?.arrayValue?[1])
            XCTAssertEqual(beat["index"], 1, "\(transport)")
            XCTAssertEqual(beat["line"], 2)
            XCTAssertEqual(beat["label"], expected["label"])
            XCTAssertEqual(beat["probability"], expected["probability"])
            XCTAssertEqual(beat["trueLabel"], "abnormal")
            XCTAssertEqual(result["window"]?["fs"], 125)
            XCTAssertEqual(result["window"]?["endSample"], 187)
            XCTAssertEqual(result["references"]?.arrayValue?.first?["label"], "true: abnormal")
            let title = try XCTUnwrap(result["title"]?.stringValue)
            XCTAssertTrue(title.contains("beat 1 (line 2)") && title.contains("true label: abnormal"), title)
            _ = try png(result)
            // Without a model: the beat and its true label, at the rate given.
            let plain = try call(
                client, "plotSegment", ["beats": ["csv": .string(csv)], "index": 2, "fs": 125, "format": "svg"])
            XCTAssertEqual(plain["beats"], [["index": 2, "line": 3, "trueLabel": "0"]])
            _ = try rootAttributes(try XCTUnwrap(plain["data"]?.stringValue))
        }
    }

    // MARK: Bad params

    /// Every bad parameter gets a clear error naming it, nothing is drawn, and the connection
    /// goes on serving.
    func testEveryBadParameterGetsAClearError() throws {
        let record: JSONValue = ["path": "mitdb/208"]
        let inline: JSONValue = ["fs": 360, "data": .array((0..<720).map { .number(sin(Double($0) / 20)) })]
        let beats: JSONValue = ["csv": "0.1,0.5,0.9,0.2,1\n0.2,0.6,0.8,0.1,0\n"]
        let cases: [(JSONValue, Int, String)] = [
            ([:], -32602, "params: give either \"signal\" or \"beats\""),
            (["signal": record, "beats": beats], -32602, "not both"),
            (["signal": inline, "colour": "red"], -32602, "params.colour: unknown member"),
            (["signal": inline, "window": ["start": 1, "end": 1]], -32602, "params.window: empty"),
            (
                ["signal": record, "window": ["start": 2000]], -32602,
                "params.window.start: 2000 s is past the end of the signal (1805.556 s)"
            ),
            (["signal": inline, "window": ["start": -1, "end": 1]], -32602, "params.window.start: -1"),
            (
                ["signal": inline, "window": ["start": 1, "end": 3]], -32602,
                "params.window.end: 3 s is past the end of the signal (2 s)"
            ),
            (
                ["signal": inline, "window": ["startSample": 0, "endSample": 721]], -32602,
                "params.window.endSample: 721 is past the end of the signal (720 samples)"
            ),
            (
                ["signal": inline, "window": ["startSample": 900]], -32602,
                "params.window.startSample: 900 is outside the signal"
            ),
            (
                ["signal": inline, "window": ["start": 1, "startSample": 3]], -32602,
                "params.window: give start and end"
            ),
            (["signal": inline, "window": ["beat": 99]], -32602, "params.window.beat: beat 99 does not exist"),
            (["signal": inline, "window": ["beat": "last"]], -32602, "params.window.beat: expected a beat index"),
            (["signal": inline, "window": ["beat": "mostConfidentAbnormal"]], -32602, "needs a model (params.model)"),
            (["signal": inline, "window": ["beat": 0, "before": -1]], -32602, "params.window.before"),
            (["signal": inline, "layout": "stack", "leads": ["V9"]], -32602, "params.leads[0]: no lead named \"V9\""),
            (["signal": record, "leads": ["MLII", "V1"]], -32602, "params.leads: the strip layout draws one lead"),
            (["signal": inline, "lead": 5], -32602, "params.lead: lead 5 does not exist"),
            (["signal": record, "layout": "12lead"], -32602, "params.layout: 12lead needs the leads I, II, III, aVR"),
            (
                ["signal": inline, "layout": "12lead", "leads": [0]], -32602,
                "params.leads: the 12lead layout draws the standard leads"
            ),
            (["signal": inline, "rhythm": [0]], -32602, "params.rhythm: only applies with the 12lead layout"),
            (["signal": inline, "layout": "grid"], -32602, "params.layout: unknown \"grid\""),
            (["signal": inline, "format": "jpeg"], -32602, "params.format: unknown \"jpeg\" (expected png, svg, pdf)"),
            (
                ["signal": inline, "size": ["width": 100000]], -32602,
                "params.size.width: expected a whole number of pixels"
            ),
            (
                ["signal": inline, "size": ["width": 4000, "height": 20000], "dpi": 1200], -32602,
                "params.size: 4000 x 20000 px exceeds the limit of 20000 px a side and 25 million pixels"
            ),
            (
                ["signal": record, "size": ["width": 50]], -32602,
                "params.size.width: 50 px for a page of 270 mm would be 5 dpi"
            ),
            (
                ["signal": record, "size": ["width": 1200], "dpi": 300], -32602,
                "params.size.width: the window needs a page 270 mm wide"
            ),
            (
                ["signal": inline, "size": ["height": 20]], -32602,
                "params.size.height: the strips need a page at least"
            ),
            (["signal": inline, "size": ["width": 12, "unit": "in"]], -32602, "params.size.unit: unknown \"in\""),
            (["signal": inline, "size": 1200], -32602, "params.size: expected object"),
            (["signal": inline, "dpi": 5000], -32602, "params.dpi: 5000.0 is outside 10-1200 dpi"),
            (
                ["signal": record, "window": ["start": 0, "end": 1800]], -32602,
                "params.window: 265866 x 531 px exceeds the limit"
            ),
            (["signal": inline, "speed": 0], -32602, "params.speed: 0.0 mm/s is outside 5-200 mm/s"),
            (["signal": inline, "gain": -1], -32602, "params.gain"),
            (["signal": inline, "style": "blue"], -32602, "params.style: unknown \"blue\""),
            (["signal": inline, "title": 5], -32602, "params.title: expected string"),
            (["signal": inline, "model": "nope"], -32010, "params.model: no model named \"nope\""),
            (
                ["signal": inline, "model": "demo-aami5", "labels": ["N"]], -32602,
                "params.labels: give labels or a model, not both"
            ),
            (["signal": inline, "labels": ["N"]], -32602, "params.labels: only applies with peaks"),
            (["signal": inline, "peaks": [300, 100]], -32602, "params.peaks[1]: peaks must be strictly increasing"),
            (
                ["signal": inline, "peaks": [100, 300], "labels": ["N"]], -32602,
                "params.labels: 1 labels for 2 R-peaks"
            ),
            (
                ["signal": inline, "peaks": [100], "labels": ["N"], "probabilities": [2]], -32602,
                "params.probabilities[0]: expected a number in [0, 1]"
            ),
            (["signal": inline, "highlight": 99], -32602, "params.highlight: beat 99 does not exist"),
            (
                ["signal": inline, "reference": "atr"], -32602,
                "params.reference: an annotator reads the annotation file of a WFDB record"
            ),
            (["signal": record, "reference": "xyz"], -32021, "params.reference: \"mitdb/208.xyz\" does not exist"),
            (["signal": record, "reference": [["sample": -4, "label": "N"]]], -32602, "params.reference[0].sample"),
            (["signal": ["path": "mitdb/999"]], -32021, "params.signal.path: \"mitdb/999\" does not exist"),
            (["signal": inline, "index": 2], -32602, "params.index: only applies with \"beats\""),
            (["beats": beats, "window": ["start": 0]], -32602, "params.window: only applies with \"signal\""),
            (
                ["beats": beats, "index": 7, "fs": 125], -32602,
                "params.index: beat 7 does not exist (params.beats holds 2)"
            ),
            (["beats": beats, "index": 0], -32602, "params.fs: required without a model"),
            (
                ["beats": beats, "fs": 125, "layout": "stack"], -32602,
                "params.layout: a cut beat is drawn on one strip"
            ),
            (
                ["beats": beats, "fs": 125, "index": "mostConfidentAbnormal"], -32602,
                "params.index: \"mostConfidentAbnormal\" needs a model"
            ),
            (
                ["beats": beats, "model": "kachuee187-demo"], -32602,
                "params.beats[0]: 4 samples, but model \"kachuee187-demo\" takes beats of 187"
            ),
            (["beats": ["csv": "x,y\n"], "fs": 125], -32602, "params.beats.csv"),
        ]
        try overEachTransport { client, transport in
            for (params, code, fragment) in cases {
                nextID += 1
                let response = try client.call(.number(Double(nextID)), "plotSegment", params)
                let params = String(describing: params).prefix(160)
                XCTAssertNil(response["result"], "\(transport) \(params): drew something")
                XCTAssertEqual(response["error"]?["code"]?.intValue, code, "\(transport) \(params): \(response)")
                let message = response["error"]?["message"]?.stringValue ?? ""
                XCTAssertTrue(
                    message.contains(fragment), "\(transport) \(params): \"\(message)\" lacks \"\(fragment)\"")
            }
            XCTAssertEqual(try client.call("still", "ping")["result"]?["pong"], true)
        }
    }

    // MARK: Helpers

    private func rootAttributes(_ svg: String) throws -> [String: String] {
        final class Root: NSObject, XMLParserDelegate {
            var attributes: [String: String]?
            var elements = 0
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                if self.attributes == nil, name == "svg" { self.attributes = attributes }
                elements += 1
            }
        }
        let root = Root()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = root
        guard parser.parse() else {
            throw E2EError("the SVG is not well-formed: \(String(describing: parser.parserError))")
        }
        XCTAssertGreaterThan(root.elements, 50, "grid, trace, glyphs")
        return try XCTUnwrap(root.attributes, "no <svg> root")
    }

    private func format(_ mm: Double) -> String { mm == mm.rounded() ? String(Int(mm)) : String(mm) }

    private func floats(_ matrix: JSONValue?) throws -> [Float] {
        let bytes = [UInt8](try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(matrix?["data"]?.stringValue))))
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(
                bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(
                    bytes[i + 3]) << 24)
        }
    }
}

extension JSONValue {
    /// This object with `other`'s members added or replaced.
    fileprivate func merging(_ other: [String: JSONValue]) -> JSONValue {
        .object((objectValue ?? [:]).merging(other) { $1 })
    }

}
