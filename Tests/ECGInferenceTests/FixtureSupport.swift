import ECGInference
import Foundation
import XCTest

/// Golden inputs and outputs written by scripts/fixtures/make_inference_fixtures.py.
struct Golden: Decodable {
    struct Named: Decodable {
        let name: String
        let shape: [Int]
        let data: [Float]
    }
    struct Plain: Decodable {
        let shape: [Int]
        let data: [Float]
    }
    let model: String
    let inputs: [String: Plain]
    let outputs: [Named]

    var feeds: [String: Tensor] {
        get throws { try inputs.mapValues { try Tensor(shape: $0.shape, data: $0.data) } }
    }
}

enum Fixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func golden(_ name: String) throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url("\(name).golden.json")))
    }

    /// The random-weight fixture models, Tests/Data/models.
    static var models: URL {
        var dir = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("Tests/Data/models")
    }
}

func assertClose(
    _ a: [Float], _ b: [Float], tolerance: Float = 1e-5, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, "count \(message)", file: file, line: line)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tolerance, "max |difference| \(message)", file: file, line: line)
}
