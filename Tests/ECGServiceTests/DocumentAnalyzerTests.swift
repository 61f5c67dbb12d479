import ECGSignal
import JSONRPC
import XCTest

@testable import ECGService

/// How CSV documents are read, which model they get, and what their diagnostics and hovers say.
final class DocumentAnalyzerTests: XCTestCase {
    private func analyzer() -> DocumentAnalyzer {
        let registry = ServiceTestSupport.registry()
        return DocumentAnalyzer(
            classify: Classify(signals: ServiceTestSupport.signals(), registry: registry, threads: 1),
            registry: registry)
    }

    private func beatsCSV(rows: Int, width: Int, label: Bool = true) -> String {
        (0..<rows).map { r in
            let values = (0..<width).map { String(format: "%.4f", 0.5 + 0.4 * sin(Double($0 + r) / 7)) }
            return (values + (label ? ["\(r % 2)"] : [])).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    func testTheHeadTellsBeatsFromSamplesAndFindsTheColumnsAndRate() throws {
        let raw = try XCTUnwrap(CSVHead("time;MLII;V1\n0.000;1;2\n0.004;1;2\n0.008;1;2\n"))
        XCTAssertEqual(raw.header, ["time", "MLII", "V1"])
        XCTAssertFalse(raw.isBeatsTable)
        XCTAssertEqual(raw.ecgColumn, 1)
        XCTAssertEqual(raw.timeColumnRate, 250)
        let beats = try XCTUnwrap(CSVHead(beatsCSV(rows: 2, width: 187)))
        XCTAssertNil(beats.header)
        XCTAssertEqual(beats.width, 188)
        XCTAssertTrue(beats.isBeatsTable)
        XCTAssertNil(CSVHead("\n  \n"))
        XCTAssertEqual(CSVHead("ECG,time\r\n1,0\r\n2,0.5\r\n")?.timeColumnRate, 2, "CRLF line ends")
        XCTAssertEqual(CSVHead("\"a\",\"ECG\"\n1,2\n")?.ecgColumn, 1)
    }

    func testModelChoiceRules() {
        let shipped = [
            ModelChoice.Candidate(name: "demo-aami5", windowLength: 360),
            ModelChoice.Candidate(name: "kachuee187-demo", windowLength: 187),
        ]
        XCTAssertEqual(ModelChoice.forBeats(width: 188, installed: shipped), "kachuee187-demo")
        XCTAssertEqual(ModelChoice.forBeats(width: 360, installed: shipped), "demo-aami5")
        XCTAssertNil(ModelChoice.forBeats(width: 100, installed: shipped))
        XCTAssertEqual(ModelChoice.forRecording(installed: shipped), "demo-aami5")
        let trained =
            shipped + [
                ModelChoice.Candidate(name: "kachuee187-binary", windowLength: 187),
                ModelChoice.Candidate(name: "mitbih-aami5", windowLength: 360),
            ]
        XCTAssertEqual(ModelChoice.forBeats(width: 187, installed: trained), "kachuee187-binary")
        XCTAssertEqual(ModelChoice.forBeats(width: 361, installed: trained), "mitbih-aami5")
        XCTAssertEqual(ModelChoice.forRecording(installed: trained), "mitbih-aami5")
        XCTAssertNil(ModelChoice.forRecording(installed: []))
    }

    func testABeatsCSVIsClassifiedRowByRowAsClassifyDoes() async throws {
        let text = beatsCSV(rows: 5, width: 187)
        let analysis = try await analyzer().analyse(text, settings: DocumentSettings(model: "kachuee187-demo"))
        XCTAssertEqual(analysis.kind, .beats)
        XCTAssertEqual(analysis.beats.map(\.line), [1, 2, 3, 4, 5])
        XCTAssertEqual(analysis.beats.map(\.fileLabel), ["0", "1", "0", "1", "0"])
        let classify = Classify(
            signals: ServiceTestSupport.signals(), registry: ServiceTestSupport.registry(), threads: 1)
        let direct = try await classify(
            ["model": "kachuee187-demo", "beats": ["csv": .string(text)]], ServiceTestSupport.context())
        let labels = direct["beats"]?.arrayValue?.compactMap { $0["label"]?.stringValue }
        XCTAssertEqual(analysis.beats.map(\.label), labels)
        let abnormal = analysis.beats.filter(analysis.isAbnormal).map { $0.line - 1 }
        XCTAssertEqual(analysis.diagnostics.compactMap { $0["range"]?["start"]?["line"]?.intValue }, abnormal)
        XCTAssertEqual(
            analysis.diagnostics.first?["range"]?["end"]?["character"]?.intValue,
            text.split(separator: "\n")[0].utf16.count)
        XCTAssertEqual(analysis.hover(line: 9), .null)
        let hover = try XCTUnwrap(analysis.hover(line: 0)["contents"]?["value"]?.stringValue)
        XCTAssertTrue(hover.contains("by `kachuee187-demo`") && hover.contains("file label: 0 (normal)"), hover)
    }

    func testARawECGCSVIsClassifiedAsARecordingWithBeatsOnTheirPeakLines() async throws {
        let fs = 360.0
        var lines = ["ECG"]
        for i in 0..<Int(fs * 20) {
            let t = Double(i) / fs
            let phase = t.truncatingRemainder(dividingBy: 0.8) - 0.4
            lines.append(String(format: "%.5f", 1.2 * exp(-0.5 * pow(phase / 0.012, 2))))
        }
        let analysis = try await analyzer().analyse(
            lines.joined(separator: "\n"), settings: DocumentSettings(model: "demo-aami5"))
        XCTAssertEqual(analysis.kind, .recording)
        XCTAssertFalse(analysis.beats.isEmpty)
        for beat in analysis.beats {
            XCTAssertEqual(beat.line, beat.sample! + 2, "sample s is on line s + 2 (1-based, after the header)")
            XCTAssertEqual(beat.sample! % 288, 144, "R-peaks every 0.8 s from 0.4 s")
        }
        XCTAssertEqual(analysis.beats[1].rrBefore ?? 0, 0.8, accuracy: 1e-9)
        let nearest = analysis.beat(near: analysis.beats[3].line + 40)
        XCTAssertEqual(nearest?.sample, analysis.beats[3].sample)
    }

    func testProblemsBecomeNotesAndUnreadableRowsErrors() async throws {
        let notFitting = try await analyzer().analyse(beatsCSV(rows: 2, width: 50), settings: DocumentSettings())
        XCTAssertEqual(notFitting.diagnostics.count, 1)
        XCTAssertEqual(notFitting.diagnostics.first?["severity"], 3)
        let unknown = try await analyzer().analyse(
            beatsCSV(rows: 2, width: 187), settings: DocumentSettings(model: "nope"))
        XCTAssertTrue(unknown.note?.contains("nope") ?? false, unknown.note ?? "")
        let slow = try await analyzer().analyse("ECG\n1\n2\n", settings: DocumentSettings(fs: 10))
        XCTAssertTrue(slow.note?.contains("sampling rate 10.0 Hz") ?? false, slow.note ?? "")
        var text = beatsCSV(rows: 3, width: 187).split(separator: "\n").map(String.init)
        text[1] = "x," + text[1]
        let broken = try await analyzer().analyse(
            text.joined(separator: "\n"), settings: DocumentSettings(model: "kachuee187-demo"))
        XCTAssertEqual(broken.issues.map(\.line), [2])
        XCTAssertEqual(broken.beats.map(\.line), [1, 3])
        XCTAssertEqual(broken.diagnostics.first?["severity"], 1)
    }

    func testInitializationOptionsOverrideTheServerSettings() {
        let server = DocumentSettings(model: "a", fs: 250)
        XCTAssertEqual(
            server.overridden(by: ["model": "b", "column": "V1"]), DocumentSettings(model: "b", fs: 250, column: "V1"))
        XCTAssertEqual(server.overridden(by: ["fs": "wrong type"]), server)
        XCTAssertEqual(server.overridden(by: nil), server)
    }

    func testLineLengthsFollowTheCSVReadersLineEnds() {
        XCTAssertEqual(DocumentAnalyzer.lineLengths("ab\r\ncde\rf\n"), [2, 3, 1, 0])
        XCTAssertEqual(DocumentAnalyzer.lineLengths("é€\n"), [2, 0])
        XCTAssertEqual(DocumentAnalyzer.lineLengths("a😀b"), ["a😀b".utf16.count])
    }
}
