import ECGSignal
import Foundation
import XCTest

@testable import ECGService
@testable import JSONRPC

final class ExtractBeatsTests: XCTestCase {
    let registry = ServiceTestSupport.registry()
    var extract: ExtractBeats { ExtractBeats(signals: ServiceTestSupport.signals(), registry: registry) }

    func testModelWindowsHaveTheCardsShapeAndNormalization() async throws {
        let result = try await extract(
            ["model": "demo-aami5", "signal": ["path": "mitdb/119"]], ServiceTestSupport.context())
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
        let features = try XCTUnwrap(result["features"]?["values"]?.arrayValue).map {
            try XCTUnwrap($0.arrayValue).compactMap(\.numberValue)
        }
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
            ["samplingRate": 360, "samplesBefore": 10, "samplesAfter": 10, "highpass": 0],
            ["samplingRate": 360, "samplesBefore": 10, "samplesAfter": 10, "highpass": 40],
            ["samplingRate": 360, "samplesBefore": 10, "samplesAfter": 10, "channels": ["beat", "noise"]],
            ["samplingRate": 360, "samplesBefore": 10, "samplesAfter": 10, "channels": []],
            [
                "samplingRate": 125, "samplesBefore": 0, "samplesAfter": 187, "segmentation": "kachuee",
                "channels": ["beat", "template"],
            ],
            [
                "samplingRate": 125, "samplesBefore": 0, "samplesAfter": 187, "segmentation": "kachuee",
                "features": ["qrsCorrelation"],
            ],
        ] {
            await ServiceTestSupport.assertError(code: -32602) {
                _ = try await self.extract(["signal": ["path": "mitdb/119"], "inputSpec": spec], context)
            }
        }
        await ServiceTestSupport.assertError(code: -32602) {
            _ = try await self.extract(["signal": ["path": "mitdb/119"]], context)
        }
    }

    func testTemplateChannelAndFeatures() async throws {
        let result = try await extract(
            [
                "signal": ["path": "mitdb/119"],
                "inputSpec": [
                    "samplingRate": 360, "samplesBefore": 90, "samplesAfter": 90, "normalization": "zscore",
                    "channels": ["beat", "template"], "features": ["qrsCorrelation", "previousToLocalMedian"],
                ],
            ], ServiceTestSupport.context())
        let count = try XCTUnwrap(result["peaks"]?.arrayValue).count
        XCTAssertEqual(result["windows"]?["shape"], [.number(Double(count)), 180, 2])
        XCTAssertEqual(result["inputSpec"]?["channels"], ["beat", "template"])
        let values = try ServiceTestSupport.floats(result["windows"])
        // Channel 1 is the same template, z-scored, for every beat; channel 0 is each beat.
        let template = stride(from: 1, to: 360, by: 2).map { values[$0] }
        let last = stride(from: (count - 1) * 360 + 1, to: count * 360, by: 2).map { values[$0] }
        XCTAssertEqual(template, last)
        XCTAssertNotEqual(stride(from: 0, to: 360, by: 2).map { values[$0] }, template)
        // Record 119's normal beats match its template; its many ventricular beats (bigeminy) do not.
        let correlations = try XCTUnwrap(result["features"]?["values"]?.arrayValue).compactMap {
            $0.arrayValue?.first?.numberValue
        }
        XCTAssertEqual(correlations.count, count)
        let typical = correlations.filter { $0 > 0.95 }.count
        XCTAssertGreaterThan(typical, count / 2)
        XCTAssertGreaterThan(correlations.filter { $0 < 0.8 }.count, 300)
    }

    func testHighpassRemovesBaselineAndKeepsMissingSamplesMissing() async throws {
        // One lead: 1 Hz beats (a narrow pulse) on a large, slowly drifting baseline, and one
        // missing sample in the middle beat's window.
        let fs = 250.0
        var samples = (0..<5000).map { (i: Int) -> Double in
            let t = Double(i) / fs
            return 40 + 5 * t + (i % 250 == 125 ? 1 : 0)
        }
        samples[2600] = .nan
        let spec: JSONValue = ["samplingRate": 250, "samplesBefore": 50, "samplesAfter": 50, "highpass": 0.5]
        let peaks: [JSONValue] = stride(from: 1125, through: 3875, by: 250).map { .number(Double($0)) }
        let recipe = try BeatRecipe.decode(spec, name: "inputSpec")
        let beats = try await recipe.prepare(
            conditioned: recipe.conditioned(samples, fs: fs, signalName: "signal"), fs: fs,
            peaks: peaks.compactMap(\.intValue),
            signalName: "signal", work: WorkPool())
        XCTAssertEqual(beats.skipped, [2625], "the window holding the missing sample is left out")
        XCTAssertEqual(beats.count, 11)
        for k in 0..<beats.count {
            let window = beats.windows[k * 100..<(k + 1) * 100].map(Double.init)
            XCTAssertLessThan(abs(window.reduce(0, +) / 100), 0.1, "baseline left in beat \(k)")
            XCTAssertGreaterThan(window[50] - window[49], 0.5, "the pulse survives in beat \(k)")
        }
        // Without missing samples the signal is filtered as it is, bit for bit.
        let complete = samples.map { $0.isFinite ? $0 : 40 }
        XCTAssertEqual(
            try recipe.conditioned(complete, fs: fs, signalName: "signal"),
            Baseline.remove(complete, fs: fs, cutoff: 0.5))
    }
}
