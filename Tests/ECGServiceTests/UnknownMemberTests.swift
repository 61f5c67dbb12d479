import ECGSignal
import Foundation
import JSONRPC
import Logging
import XCTest

@testable import ECGService

/// Every ecgd method and every object parameter refuses a member it does not know by one rule,
/// with the member's path and the members it does know (or, for the shapes of `beats`, what
/// they are), before any work is done.
final class UnknownMemberTests: XCTestCase {
    private let methods: MethodRegistry = {
        let configuration = ServiceConfiguration(
            dataRoot: ServiceTestSupport.dataRoot, modelsDirectory: ServiceTestSupport.modelsDirectory)
        return try! ECGService.makeRegistry(
            configuration: configuration, limits: TransportLimits(), logger: Logger(label: "test"))
    }()

    private func message(_ method: String, _ params: JSONValue) async -> String? {
        do {
            let result = try await methods.call(method, params: params, logger: Logger(label: "test"))
            XCTFail("\(method) accepted \(params): \(result)")
        } catch let error as ResponseErrorConvertible {
            XCTAssertEqual(error.responseError.code, -32602, "\(method): \(error.responseError.message)")
            return error.responseError.message
        } catch {
            XCTFail("\(method): unexpected \(error)")
        }
        return nil
    }

    func testEveryMethodListsItsOwnMembers() async {
        let expected: [(String, JSONValue, String)] = [
            ("detectPeaks", ["bogus": 1], "expected one of arrays, lead, leads, signal, timeoutSeconds, workDoneToken"),
            (
                "classify", ["model": "demo-aami5", "bogus": 1],
                "expected one of arrays, beats, beatsLayout, features, labels, lead, model, peaks, signal, timeoutSeconds, workDoneToken"
            ),
            (
                "extractBeats", ["bogus": 1],
                "expected one of inputSpec, lead, model, peaks, signal, timeoutSeconds, workDoneToken"
            ),
            (
                "loadModel", ["name": "x", "bogus": 1],
                "expected one of classes, inputSpec, name, output, path, timeoutSeconds, workDoneToken"
            ),
            ("unloadModel", ["name": "x", "bogus": 1], "expected one of name, timeoutSeconds, workDoneToken"),
            ("listModels", ["bogus": 1], "expected one of timeoutSeconds, workDoneToken"),
        ]
        for (method, params, list) in expected {
            let text = await message(method, params)
            XCTAssertEqual(text, "params.bogus: unknown member (\(list))", method)
        }
        let plot = await message("plotSegment", ["bogus": 1])
        XCTAssertTrue(
            plot?.hasPrefix("params.bogus: unknown member (expected one of beats, dpi, features,") ?? false, plot ?? "")
    }

    func testNestedObjectsFollowTheSameRule() async {
        let signal: JSONValue = ["fs": 360, "data": [1, 2, 3]]
        let cases: [(String, JSONValue, String)] = [
            (
                "detectPeaks", ["signal": ["fs": 360, "data": [1], "bogus": 1]],
                "params.signal.bogus: unknown member (expected one of baseline, column, data, dtype, encoding, format, fs, gain, "
                    + "leadNames, leads, path, resolution)"
            ),
            (
                "extractBeats",
                [
                    "signal": signal,
                    "inputSpec": ["samplingRate": 360, "samplesBefore": 1, "samplesAfter": 1, "bogus": 1],
                ],
                "params.inputSpec.bogus: unknown member (expected one of channels, featureInput, features, highpass, "
                    + "normalization, samplesAfter, samplesBefore, samplingRate, segmentation, windowInput)"
            ),
            (
                "classify", ["model": "kachuee187-demo", "beats": ["csv": "1,2\n", "bogus": 1]],
                "params.beats.bogus: unknown member (expected csv, lastColumnIsLabel, hasHeader)"
            ),
            (
                "classify", ["model": "kachuee187-demo", "beats": ["data": "AAAA", "bogus": 1]],
                "params.beats.bogus: unknown member (expected an array of beats, {\"csv\": ...} or a base64 matrix with "
                    + "dtype, encoding, data, beatLength, shape)"
            ),
            (
                "plotSegment", ["signal": signal, "size": ["width": 100, "bogus": 1]],
                "params.size.bogus: unknown member (expected one of height, unit, width)"
            ),
        ]
        for (method, params, expected) in cases {
            let text = await message(method, params)
            XCTAssertEqual(text, expected, method)
        }
    }

    func testTheRuleItself() {
        let members: [String: JSONValue] = ["b": 1, "a": 2, "c": 3]
        XCTAssertEqual(JSONValue.firstUnknownMember(of: members) { $0 == "b" }, "a", "the first refused in name order")
        XCTAssertNil(JSONValue.firstUnknownMember(of: members) { _ in true })
        XCTAssertEqual(JSONValue.unknownMemberDescription(known: ["y", "x"]), "unknown member (expected one of x, y)")
        XCTAssertEqual(JSONValue.unknownMemberDescription(known: nil), "unknown member")
    }
}
