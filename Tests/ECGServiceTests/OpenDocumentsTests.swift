import Synchronization
import XCTest

@testable import ECGService

/// Versions analysed once each, cancellation by newer versions, hovers that wait.
final class OpenDocumentsTests: XCTestCase {
    /// A stand-in analysis that records its runs and, for a `held` version, waits until cancelled.
    private final class Analyses: Sendable {
        let runs = Mutex<[Int]>([])
        let cancelled = Mutex<[Int]>([])
        let published = Mutex<[Int]>([])
        let started = AsyncStream.makeStream(of: Int.self)
        /// Versions whose held analysis saw its cancellation and returned.
        let stopped = AsyncStream.makeStream(of: Int.self)

        func analyse(version: Int, held: Bool) -> @Sendable () async -> DocumentAnalysis? {
            { [self] in
                runs.withLock { $0.append(version) }
                started.continuation.yield(version)
                if held {
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(1)) }
                    cancelled.withLock { $0.append(version) }
                    stopped.continuation.yield(version)
                    return nil
                }
                var analysis = DocumentAnalysis()
                analysis.note = "version \(version)"
                return analysis
            }
        }

        func publish(_ version: Int) -> @Sendable (DocumentAnalysis) -> Void {
            { [self] _ in published.withLock { $0.append(version) } }
        }
    }

    func testANewVersionCancelsTheAnalysisItReplacesAndOnlyTheNewOneIsPublished() async {
        let documents = OpenDocuments()
        let analyses = Analyses()
        var started = analyses.started.stream.makeAsyncIterator()
        documents.update(
            uri: "u", version: 1, analyse: analyses.analyse(version: 1, held: true), publish: analyses.publish(1))
        _ = await started.next()  // version 1 is running
        documents.update(
            uri: "u", version: 2, analyse: analyses.analyse(version: 2, held: false), publish: analyses.publish(2))
        let current = await documents.analysis(of: "u")
        XCTAssertEqual(current?.note, "version 2")
        var stopped = analyses.stopped.stream.makeAsyncIterator()
        let cancelledVersion = await stopped.next()
        XCTAssertEqual(cancelledVersion, 1, "version 1's analysis was cancelled")
        XCTAssertEqual(analyses.published.withLock { $0 }, [2])
    }

    func testHoversWaitForTheCurrentVersionWithoutAnalysingAgain() async {
        let documents = OpenDocuments()
        let analyses = Analyses()
        documents.update(
            uri: "u", version: 7, analyse: analyses.analyse(version: 7, held: false), publish: analyses.publish(7))
        async let first = documents.analysis(of: "u")
        async let second = documents.analysis(of: "u")
        let (a, b) = await (first, second)
        let third = await documents.analysis(of: "u")
        XCTAssertEqual([a?.note, b?.note, third?.note], ["version 7", "version 7", "version 7"])
        XCTAssertEqual(analyses.runs.withLock { $0 }, [7], "one analysis for the version, however many hovers")
    }

    func testClosingStopsTheAnalysisAndForgetsTheDocument() async {
        let documents = OpenDocuments()
        let analyses = Analyses()
        var started = analyses.started.stream.makeAsyncIterator()
        documents.update(
            uri: "u", version: 1, analyse: analyses.analyse(version: 1, held: true), publish: analyses.publish(1))
        _ = await started.next()
        XCTAssertTrue(documents.close(uri: "u"))
        XCTAssertFalse(documents.close(uri: "u"))
        let after = await documents.analysis(of: "u")
        XCTAssertNil(after)
        await documents.sessionEnded()
        XCTAssertEqual(analyses.published.withLock { $0 }, [])
    }

    func testTheEndOfTheSessionCancelsAndAwaitsEveryAnalysis() async {
        let documents = OpenDocuments()
        let analyses = Analyses()
        var started = analyses.started.stream.makeAsyncIterator()
        for (i, uri) in ["a", "b"].enumerated() {
            documents.update(
                uri: uri, version: i, analyse: analyses.analyse(version: i, held: true), publish: analyses.publish(i))
            _ = await started.next()
        }
        await documents.sessionEnded()
        XCTAssertEqual(analyses.cancelled.withLock { $0.sorted() }, [0, 1])
        XCTAssertNil(documents.version(of: "a"))
    }
}
