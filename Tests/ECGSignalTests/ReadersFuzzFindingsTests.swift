import Foundation
import XCTest

@testable import ECGSignal

/// Inputs the fuzz targets of Fuzz/ found (Fuzz/README.md), each read as the target read it.
final class ReadersFuzzFindingsTests: XCTestCase {
    /// wfdb-signal, format 524: a 503-byte FLAC stream whose STREAMINFO claims 2^36 - 1
    /// samples made the reader allocate outputs for all of them (a 2 GB allocation from a
    /// 500-byte file). A claim the file cannot hold is now checked by decoding the stream.
    func testFLACStreamClaimingMoreSamplesThanItCanHoldIsNotTrusted() throws {
        let directory = try ReaderFixtures.temporaryDirectory()
        let dat = try XCTUnwrap(Data(base64Encoded: Self.lyingFLAC, options: .ignoreUnknownCharacters))
        try dat.write(to: directory.appendingPathComponent("signal.dat"))
        var header = "signal 3 250\n"
        for i in 0..<3 { header += "signal.dat 524 200(\(i))/mV\n" }
        try Data(header.utf8).write(to: directory.appendingPathComponent("signal.hea"))
        do {
            let record = try WFDB.readRecord(at: directory.appendingPathComponent("signal"))
            XCTAssertLessThanOrEqual(UInt64(record.sampleCount), WFDBFLAC.maxSamples(streamBytes: dat.count))
        } catch let error as SignalFileError {
            XCTAssertTrue(error.path.hasSuffix("signal.dat"), error.description)
        }
    }

    /// The same lie told by a valid stream (the flac16 fixture, 35 frames of 2 samples, with
    /// its STREAMINFO total set to 2^36 - 1) reads the frames the stream really holds.
    func testValidFLACStreamWithALyingTotalReadsItsRealLength() throws {
        let layouts = ReaderFixtures.wfdb.appendingPathComponent("layouts")
        let truth = try WFDB.readRecord(at: layouts.appendingPathComponent("flac16"))
        let directory = try ReaderFixtures.temporaryDirectory()
        var dat = try Data(contentsOf: layouts.appendingPathComponent("flac16.dat"))
        // STREAMINFO starts at byte 8; its 36-bit total is the low nibble of byte 21 and bytes 22-25.
        dat[21] |= 0x0F
        for i in 22...25 { dat[i] = 0xFF }
        try dat.write(to: directory.appendingPathComponent("flac16.dat"))
        let header = try String(contentsOf: layouts.appendingPathComponent("flac16.hea"), encoding: .utf8)
        // Without the header's length, the stream alone says how long the record is.
        let lengthless = header.replacingOccurrences(of: "flac16 2 128 35", with: "flac16 2 128")
        try Data(lengthless.utf8).write(to: directory.appendingPathComponent("flac16.hea"))
        let record = try WFDB.readRecord(at: directory.appendingPathComponent("flac16"))
        XCTAssertEqual(record.sampleCount, truth.sampleCount)
        XCTAssertEqual(record.leads, truth.leads)
    }

    /// wfdb-header: segment lengths are summed (and their gaps allocated as NaN) before any
    /// segment is read: a gap of 10^11 samples asked for 800 GB, one of Int.max overflowed.
    /// A gap of 92,233,250 samples is within the limit for one signal but not for the fixture's
    /// signals together (about 740 MB each): the limit counts every signal read.
    func testMultiSegmentRecordClaimingTooManySamplesIsRefused() throws {
        for gap in ["100000000000", "9223372036854775807", "92233250"] {
            let directory = try fixtureCopy("fmt16")
            try Data("m/2 1 250\nfmt16 40\n~ \(gap)\n".utf8).write(to: directory.appendingPathComponent("m.hea"))
            assertSignalFileError(
                try WFDB.readRecord(at: directory.appendingPathComponent("m")), names: "m.hea",
                contains: ["more than \(WFDBMultiSegment.maxSamples) samples"])
        }
    }

    /// wfdb-header (found by `make fuzz` after the merge): a sampling frequency field of "/"
    /// split into no parts and indexed its first; "/360" and "250/" were misread the same way.
    func testSamplingFrequencyFieldWithoutANumberIsRefused() throws {
        for spec in ["/", "/360", "250/"] {
            let directory = try fixtureCopy("fmt16")
            try Data("r 1 \(spec)\nfmt16.dat 16\n".utf8).write(to: directory.appendingPathComponent("r.hea"))
            assertSignalFileError(
                try WFDB.readRecord(at: directory.appendingPathComponent("r")), names: "r.hea",
                contains: ["line 1", spec])
        }
    }

    /// wfdb-header: a skew of Int.max overflowed the frames needed; samples per frame of 2^62
    /// in two signals overflowed the frame width.
    func testHugeSkewAndSamplesPerFrameAreRefused() throws {
        let cases = [
            ("r 1 250\nfmt16.dat 16:9223372036854775807\n", "skew"),
            ("r 2 250\nfmt16.dat 16x4611686018427387904\nfmt16.dat 16x4611686018427387904\n", "samples per frame"),
        ]
        for (header, fragment) in cases {
            let directory = try fixtureCopy("fmt16")
            try Data(header.utf8).write(to: directory.appendingPathComponent("r.hea"))
            assertSignalFileError(
                try WFDB.readRecord(at: directory.appendingPathComponent("r")), names: "r.hea",
                contains: ["line 2", fragment, "exceed"])
        }
    }

    /// A fresh directory holding the fixture record `name` (its header and signal file).
    private func fixtureCopy(_ name: String) throws -> URL {
        let directory = try ReaderFixtures.temporaryDirectory()
        for ext in ["hea", "dat"] {
            try FileManager.default.copyItem(
                at: ReaderFixtures.wfdb.appendingPathComponent("\(name).\(ext)"),
                to: directory.appendingPathComponent("\(name).\(ext)"))
        }
        return directory
    }

    /// The signal file of the first finding (the fuzz input after its 3 header-choosing bytes).
    private static let lyingFLAC = """
            ZkxhQwAAACIQABAAAAGhAAGhF3AFcBAAAC37I3ia3NFSVkfPx6uTEo62hAAAKCAAAAByZWZlcmVuY2UgbGliRkxBQyAxLjQuMyAy
            MDIzMDYyMwAAAAD/+GssACwdAoAAAE4UrIXMmk7VNfgGrgPsYCFXBMkqSHrCEI3OZ8cmA+IkdxI5JOiRs6GNNouXKIBCi4x7Y6YY
            uX/KAbDkNycBqUAQ97wI3chAtu9YucNji3lkRK1/KWXOM0w1Vlgfhp2gf+R0oiDGl/42wip2OS07gym1i4+QxXWHiQ47jGdMjcV9
            2tyMdgJhMNGv2NqQcFzfuFgt3tefS5Nevh7XT0y6MYwLYQllPBhiSWtfSDPOdL2EvYxHNF01Hm5FXsOATqCJsTAA3HbVzK3vyWpu
            aeu0CGEHKbXTL3HLguxOZCCnOVzRAwGeaM+mJ2XH8IQy0a4UXQ/y08mrZ4FMh0xMvtS8Ss+PSNLR3WilYJZMxOcCBQFAAc84ymI2
            AaJzd6tnvHc4RJ/pg7in0FWBbufDXwsalfiuV9FzWE0f9Aoe3i1vevpJc3Y+LV475kC8tdCEb7qqxM9ZDmB9LLWUvXmD0K5PPc3P
            somFLKTOcdBELygSJWy49r0yd8fvuM2x2xiRJBSnJ56am2o4qYrVMTV6VzgWIqi1bvn1dkk=
        """
}
