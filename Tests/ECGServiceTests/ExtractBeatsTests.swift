import ECGSignal
import Foundation
import XCTest

@testable import ECGService
@testable import JSONRPC

final class ExtractBeatsTests: XCTestCase {
    let registry = ServiceTestSupport.registry()
    var extract: ExtractBeats { ExtractBeats(signals: ServiceTestSupport.signals(), registry: registry) }

    func testModelWindowsHaveTheCardsShapeAndNormalization() async throws {
        let result = try await extract(["model": "demo-aami5", "signal": ["path": "mitdb/119"]], ServiceTestSupport.context())
        let peaks = try XCTUnwrap(result["peaks"]?.arrayValue).compactMap(\.intValue)
        let shape = try XCTUnwrap(result["windows"]?["shape"]?.arrayValue).compactMap(\.intValue)
        XCTAssertEqual(shape, [peaks.count, 360])
        XCTAssertEqual(result["windows"]?["dtype"], "float32")
        let values = try ServiceTestSupport.floats(result["windows"])
        XCTAssertEqual(values.count, peaks.count * 360)
        for i in [0, peaks.count / 2, peaks.count - 1] {
            let window = values[i * 360..<(i + 1) * 360].map(Double.init)
            let mean = window.reduce(0, +) / 360
            let sd = (window.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 360).squareRoot()
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(sd, 1, accuracy: 1e-4)
        }
        XCTAssertEqual(result["inputSpec"]?["windowLength"], 360)
        XCTAssertEqual(result["features"]?["values"], [])
    }

    func testExplicitSpecWithRRFeaturesAndGivenPeaks() async throws {
        let recording = try WFDB.readRecord(at: ServiceTestSupport.dataRoot.appendingPathComponent("mitdb/208.hea"))
        let peaks = [60, 400, 700, 1000, 1300, 1500, 1900, 2200, 649_950]
        let result = try await extract(
            [
                "signal": ["path": "mitdb/208"], "peaks": .array(peaks.map { .number(Double($0)) }),
                "inputSpec": [
                    "samplingRate": 180, "samplesBefore": 45, "samplesAfter": 45, "normalization": "minmax",
                    "features": ["preRR", "nextRR", "previousToNext"],
                ],
            ], ServiceTestSupport.context())
        // At 180 Hz, 60 is 30 samples from the start and 649950 is 25 from the end: both skipped.
        XCTAssertEqual(result["skipped"], [60, 649_950])
        XCTAssertEqual(recording.sampleCount, 650_000)
        let kept = Array(peaks[1...7])
        XCTAssertEqual(result["peaks"]?.arrayValue?.compactMap(\.intValue), kept)
        XCTAssertEqual(result["windows"]?["shape"], [7, 90])
        let values = try ServiceTestSupport.floats(result["windows"])
        XCTAssertEqual(values.min(), 0)
        XCTAssertEqual(values.max(), 1)
        let features = try XCTUnwrap(result["features"]?["values"]?.arrayValue).map { try XCTUnwrap($0.arrayValue).compactMap(\.numberValue) }
        XCTAssertEqual(result["features"]?["names"], ["preRR", "nextRR", "previousToNext"])
        XCTAssertEqual(features.count, 7)
        // Beat at 1500: 200 samples after 1300, 400 before 1900 (RR over every given peak).
        XCTAssertEqual(features[4][0], 200.0 / 360, accuracy: 1e-6)
        XCTAssertEqual(features[4][1], 400.0 / 360, accuracy: 1e-6)
        XCTAssertEqual(features[4][2], 0.5, accuracy: 1e-6)
    }

    func testKachueeSegmentationGives187SampleBeatsAt125Hz() async throws {
        let result = try await extract(
            [
                "signal": ["path": "mitdb/119"],
                "inputSpec": ["samplingRate": 125, "samplesBefore": 0, "samplesAfter": 187, "segmentation": "kachuee"],
            ], ServiceTestSupport.context())
        let count = try XCTUnwrap(result["peaks"]?.arrayValue).count
        XCTAssertGreaterThan(count, 1500)
        XCTAssertEqual(result["windows"]?["shape"], [.number(Double(count)), 187])
        let values = try ServiceTestSupport.floats(result["windows"])
        XCTAssertTrue(values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(result["skipped"], [])
    }

    func testInvalidSpecs() async {
        let context = ServiceTestSupport.context()
        for spec: JSONValue in [
            ["samplingRate": 360, "samplesBefore": 10],
            ["samplingRate": 360, "samplesBefore": 10, "samplesAfter": 0],
            ["samplingRate": 360, "samplesBefore": 10, "samplesAfter": 10, "features": ["heartbeatColour"]],
            ["samplingRate": 360, "samplesBefore": 10, "samplesAfter": 10, "normalization": "l2"],
            ["samplingRate": 125, "samplesBefore": 10, "samplesAfter": 177, "segmentation": "kachuee"],
            ["samplingRate": 10, "samplesBefore": 10, "samplesAfter": 10],
        ] {
            await ServiceTestSupport.assertError(code: -32602) {
                _ = try await self.extract(["signal": ["path": "mitdb/119"], "inputSpec": spec], context)
            }
        }
        await ServiceTestSupport.assertError(code: -32602) {
            _ = try await self.extract(["signal": ["path": "mitdb/119"]], context)
        }
    }
}
