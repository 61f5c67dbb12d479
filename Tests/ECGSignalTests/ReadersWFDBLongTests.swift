import CSignalKernels
import Foundation
import XCTest

@testable import ECGSignal

/// Long WFDB records, whose blocks are decoded in parallel parts: every sample lands where a
/// sequential read puts it, with skew, missing values, checksums and short files as before.
final class ReadersWFDBLongTests: XCTestCase {
    /// 600,000 frames: a dozen blocks of two-signal frames, so the read is split in parts.
    static let frames = 600_000

    /// Stored value of signal `s` at frame `f`: a pseudo-random walk over the 12-bit range
    /// (some frames hold the format's missing-sample value instead when `missing` is given).
    static func stored(_ s: Int, _ f: Int, missing: Int32?) -> Int32 {
        if let missing, f % 7_919 == 11 * (s + 1) { return missing }
        let x = UInt64(f &* 2_654_435_761 &+ s &* 40_503) % 4_000
        return Int32(x) - 2_000
    }

    /// Writes `long.hea` and `long.dat` (format 16 or 212; signal 1 skewed by `skew` frames) and
    /// returns the record's URL and the header's checksums.
    func writeRecord(format: Int, in directory: URL, skew: Int = 3) throws -> URL {
        let missing: Int32 = format == 16 ? -32_768 : -2_048
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.frames * 4)
        var sums = [Int](repeating: 0, count: 2)
        for f in 0..<Self.frames {
            let pair = (0..<2).map { Self.stored($0, f, missing: missing) }
            for s in 0..<2 { sums[s] &+= Int(pair[s]) }
            if format == 16 {
                for v in pair { bytes += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
            } else {
                let (a, b) = (UInt16(bitPattern: Int16(pair[0])) & 0xFFF, UInt16(bitPattern: Int16(pair[1])) & 0xFFF)
                bytes += [UInt8(a & 0xFF), UInt8(a >> 8) | UInt8((b >> 8) << 4), UInt8(b & 0xFF)]
            }
        }
        try Data(bytes).write(to: directory.appendingPathComponent("long.dat"))
        let checksums = sums.map { Int(Int16(truncatingIfNeeded: $0)) }
        let header = """
            long 2 360 \(Self.frames)
            long.dat \(format) 200(10)/mV 12 0 0 \(checksums[0]) 0 A
            long.dat \(format)\(skew > 0 ? ":\(skew)" : "") 100(-5)/mV 12 0 0 \(checksums[1]) 0 B

            """
        try header.write(to: directory.appendingPathComponent("long.hea"), atomically: true, encoding: .utf8)
        return directory.appendingPathComponent("long")
    }

    /// What a sequential reader gives for signal `s` at output frame `f` of `available` stored frames.
    static func expected(_ s: Int, _ f: Int, format: Int, available: Int = frames, skew second: Int = 3) -> Double {
        let missing: Int32 = format == 16 ? -32_768 : -2_048
        let (skew, gain, baseline) = s == 0 ? (0, 200.0, 10.0) : (second, 100.0, -5.0)
        guard f + skew < available else { return .nan }
        let v = stored(s, f + skew, missing: missing)
        return v == missing ? .nan : (Double(v) - baseline) / gain
    }

    func assertSamples(_ recording: Recording, format: Int, available: Int = frames, skew: Int = 3) {
        for s in 0..<2 {
            let lead = recording.leads[s]
            var wrong = 0
            for f in 0..<lead.count {
                let want = Self.expected(s, f, format: format, available: available, skew: skew)
                if !(lead[f] == want || (lead[f].isNaN && want.isNaN)) { wrong += 1 }
            }
            XCTAssertEqual(wrong, 0, "format \(format), signal \(s): samples that differ")
            XCTAssertTrue(lead.contains(where: \.isNaN), "the missing values read as NaN")
        }
    }

    func testLongRecordsReadEverySampleInPlace() throws {
        for format in [16, 212] {
            let directory = try ReaderFixtures.temporaryDirectory()
            let record = try writeRecord(format: format, in: directory)
            let recording = try WFDB.readRecord(at: record)
            XCTAssertEqual(recording.sampleCount, Self.frames)
            XCTAssertEqual(recording.warnings, [])
            assertSamples(recording, format: format)
            // The skewed signal's last three frames lie past the file.
            XCTAssertTrue(recording.leads[1][(Self.frames - 3)...].allSatisfy(\.isNaN))
            // One lead alone reads the same values.
            let second = try WFDB.readRecord(at: record, signals: { _ in [1] })
            XCTAssertTrue(zip(second.leads[0], recording.leads[1]).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
    }

    /// Two unskewed 212 signals (the MIT-BIH layout) are decoded straight from the file's bytes
    /// (`WFDBScatter.take(storedPairs:)`), with every instruction set: the same samples, checksums
    /// and short-file reading.
    func testTwoSignalFormat212ReadsTheSameOnEveryPath() throws {
        defer { ecg_signal_kernels_limit(2) }
        let directory = try ReaderFixtures.temporaryDirectory()
        let record = try writeRecord(format: 212, in: directory, skew: 0)
        for level in [2, 1, 0] {
            ecg_signal_kernels_limit(Int32(level))
            let recording = try WFDB.readRecord(at: record)
            assertSamples(recording, format: 212, skew: 0)
            let second = try WFDB.readRecord(at: record, signals: { _ in [1, 0] })
            XCTAssertTrue(
                zip(second.leads[0], recording.leads[1]).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                "level \(level)")
        }
        let url = directory.appendingPathComponent("long.dat")
        let stored = try Data(contentsOf: url)
        // A flipped bit of the second signal, late in the file, fails its checksum on every path.
        var corrupt = stored
        corrupt[corrupt.count - 1_000] ^= 0x01
        try corrupt.write(to: url)
        for level in [2, 0] {
            ecg_signal_kernels_limit(Int32(level))
            assertSignalFileError(try WFDB.readRecord(at: record), names: "long.dat", contains: ["checksum mismatch"])
        }
        // A short file is read as far as it goes.
        let available = 450_001
        try stored.prefix(3 * available).write(to: url)
        let short = try WFDB.readRecord(at: record)
        XCTAssertEqual(short.sampleCount, available)
        assertSamples(short, format: 212, available: available, skew: 0)
    }

    func testCorruptSampleInALatePartFailsTheChecksum() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        let record = try writeRecord(format: 16, in: directory)
        let url = directory.appendingPathComponent("long.dat")
        var data = try Data(contentsOf: url)
        data[data.count - 1_000] ^= 0x01
        try data.write(to: url)
        assertSignalFileError(try WFDB.readRecord(at: record), names: "long.dat", contains: ["checksum mismatch"])
    }

    func testShortLongFileIsReadAsFarAsItGoes() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        let record = try writeRecord(format: 212, in: directory)
        let url = directory.appendingPathComponent("long.dat")
        let available = 450_001
        try Data(contentsOf: url).prefix(3 * available).write(to: url)
        let recording = try WFDB.readRecord(at: record)
        XCTAssertEqual(recording.sampleCount, available)
        XCTAssertEqual(recording.warnings.count, 1)
        assertSamples(recording, format: 212, available: available)
    }
}
