import Foundation
import XCTest

@testable import ECGSignal

/// Locations of the reader test data, found from this file's path.
enum ReaderFixtures {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testsDirectory.appendingPathComponent("Fixtures")
    static let wfdb = fixtures.appendingPathComponent("wfdb")
    static let mitdb = testsDirectory.deletingLastPathComponent().appendingPathComponent("Data/mitdb")

    /// A fresh empty directory for files a test writes.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ecgsignal-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Asserts that `body` throws a `SignalFileError` naming `file` and containing every fragment.
func assertSignalFileError(
    _ body: @autoclosure () throws -> some Any, names file: String, contains fragments: [String],
    line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("expected a SignalFileError", line: line)
    } catch let error as SignalFileError {
        XCTAssertTrue(error.path.hasSuffix(file), "error names \(error.path), expected \(file)", line: line)
        XCTAssertTrue(error.description.contains(file), error.description, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", line: line)
        }
    } catch {
        XCTFail("unexpected error \(error)", line: line)
    }
}
