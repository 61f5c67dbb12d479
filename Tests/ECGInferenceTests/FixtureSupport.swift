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

/// Deterministic test values in [-1, 1] with three decimals (a linear congruential generator).
struct TestValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// The next `n` values.
    mutating func next(_ n: Int) -> [Float] {
        (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
    }
}
