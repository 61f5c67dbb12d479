import CSignalKernels
import Foundation

/// How a WFDB record's multi-frequency signals (several samples per frame) are read.
public enum WFDBResolution: String, Sendable, CaseIterable {
    /// One value per frame and signal, the mean of the frame's samples (NaN if one of them is
    /// missing), so that every signal runs at the record's frame rate. wfdb-python's
    /// `smooth_frames` takes the same mean but truncates it to a whole ADC unit first.
    case frame
    /// Every sample: a signal with k samples per frame runs at k times the frame rate. The
    /// signals read together must share k.
    case signal
}

/// The signals of one WFDB signal file (a group): its layout, and the outputs of the signals
/// wanted from it. Samples are decoded a block of frames at a time into a small buffer and
/// scattered into the outputs, so memory holds the wanted signals only.
struct WFDBSignalFile {
    let url: URL
    /// Every signal stored in the file, in header order.
    let specs: [WFDBSignalSpec]
    /// Positions in `specs` of the signals to read, in output order.
    let wanted: [Int]
    let resolution: WFDBResolution

    var format: Int { specs[0].format }
    /// Samples in one frame of the file.
    var frameWidth: Int { specs.reduce(0) { $0 + $1.samplesPerFrame } }
    /// Offset of each signal's first sample within a frame.
    var frameOffsets: [Int] { specs.reduce(into: [0]) { $0.append($0.last! + $1.samplesPerFrame) } }

    init(url: URL, specs: [WFDBSignalSpec], wanted: [Int], resolution: WFDBResolution) throws {
        self.url = url
        self.specs = specs
        self.wanted = wanted
        self.resolution = resolution
        if let other = specs.first(where: { $0.format != specs[0].format }) {
            throw SignalFileError(
                url: url,
                message: "signals stored in one file use different formats (\(specs[0].format) and \(other.format))")
        }
    }

    /// Output samples per frame of a wanted signal.
    func outputsPerFrame(_ position: Int) -> Int {
        resolution == .signal ? specs[position].samplesPerFrame : 1
    }

    /// The frames the file holds, counted from its byte (or, for FLAC, sample) offset.
    func availableFrames() throws -> Int {
        if WFDBFormat.isFLAC(format) { return try WFDBFLAC.frameCount(self) }
        let size = try SignalFileReader(url).size()
        let offset = specs[0].byteOffset
        guard size >= offset else {
            throw SignalFileError(url: url, message: "file has \(size) bytes, less than its byte offset \(offset)")
        }
        return WFDBFormat.sampleCapacity(format: format, byteCount: size - offset) / frameWidth
    }

    /// Whether the file's data ends after `frames` whole frames (FLAC streams always do).
    func endsOnFrame(_ frames: Int) throws -> Bool {
        if WFDBFormat.isFLAC(format) { return true }
        return WFDBFormat.byteCount(format: format, samples: frames * frameWidth) == (try SignalFileReader(url).size())
            - specs[0].byteOffset
    }

    /// Reads the wanted signals over output frames `0 ..< frames` in physical units; stored
    /// frames past `stored` (the file's end, or a skewed signal's overrun) read as NaN.
    /// With `checksumFrames` (the header's length, when the file holds all of it) the header's
    /// checksums are verified over that many stored frames.
    func read(frames: Int, stored: Int, checksumFrames: Int?) throws -> [[Double]] {
        var sink = WFDBSampleSink(file: self, frames: frames, checksumFrames: checksumFrames ?? 0)
        let skew = wanted.map { specs[$0].skew }.max() ?? 0
        // Stored frames needed: those that land in 0 ..< frames after the largest skew.
        let needed = min(stored, max(frames + skew, checksumFrames ?? 0))
        if WFDBFormat.isFLAC(format) {
            try WFDBFLAC.decode(self, frames: needed, into: &sink)
        } else {
            try readBinary(frames: needed, into: &sink)
        }
        if checksumFrames != nil { try sink.verifyChecksums(url: url) }
        return sink.finish()
    }

    /// Decodes stored frames `0 ..< frames` of a binary format, a block at a time; except for
    /// difference format 8, whose values run through the whole file, the blocks are split
    /// into consecutive parts decoded in parallel (each block lands in its own frames).
    private func readBinary(frames: Int, into sink: inout WFDBSampleSink) throws {
        guard frames > 0 else { return }
        // A multiple of 6 frames starts every block on a packing group of 212, 310 and 311.
        let blockFrames = 6 * max(1, 16_384 / frameWidth)
        let blocks = (frames + blockFrames - 1) / blockFrames
        let parts = format == 8 ? 1 : ParallelRead.parts(blocks: blocks)
        guard parts > 1 else {
            try decodeBlocks(0..<blocks, of: blockFrames, frames: frames) { raw, first, count in
                sink.take(raw, firstFrame: first, frames: count)
            }
            return
        }
        let checksums = try sink.withScatter { scatter in
            try ParallelRead.map(blocks: blocks, parts: parts) { range in
                var sums = [Int](repeating: 0, count: specs.count)
                if scatter.takesStoredPairs {
                    try readBlocks(range, of: blockFrames, frames: frames) { bytes, first, count in
                        scatter.take(storedPairs: bytes, firstFrame: first, frames: count, sums: &sums)
                    }
                } else {
                    try decodeBlocks(range, of: blockFrames, frames: frames) { raw, first, count in
                        scatter.take(raw, firstFrame: first, frames: count, sums: &sums)
                    }
                }
                return sums
            }
        }
        for sums in checksums { sink.add(checksums: sums) }
        sink.received(frames: frames)
    }

    /// Reads and decodes the blocks `range` (of `blockFrames` frames, the last one cut at
    /// `frames`) and hands each to `take` as interleaved stored samples.
    private func decodeBlocks(
        _ range: Range<Int>, of blockFrames: Int, frames: Int,
        take: (UnsafeMutablePointer<Int32>, _ firstFrame: Int, _ frames: Int) -> Void
    ) throws {
        let width = frameWidth
        let offsets = frameOffsets
        let positions = wanted.flatMap { s in (0..<specs[s].samplesPerFrame).map { offsets[s] + $0 } }
        let raw = UnsafeMutablePointer<Int32>.allocate(capacity: blockFrames * width)
        defer { raw.deallocate() }
        try readBlocks(range, of: blockFrames, frames: frames) { block, first, count in
            // Only the wanted signals' samples, where the format allows (not format 8, whose
            // differences run through every sample).
            if format == 8
                || !WFDBFormat.decode(
                    format: format, bytes: block, frames: count, width: width, positions: positions, into: raw)
            {
                WFDBFormat.decode(format: format, bytes: block, count: count * width, into: raw)
            }
            take(raw, first, count)
        }
    }

    /// Reads the blocks `range` (of `blockFrames` frames, the last one cut at `frames`) and hands
    /// each to `take` as the file stores it.
    private func readBlocks(
        _ range: Range<Int>, of blockFrames: Int, frames: Int,
        take: (UnsafeRawBufferPointer, _ firstFrame: Int, _ frames: Int) -> Void
    ) throws {
        let width = frameWidth
        let maxBytes = WFDBFormat.byteCount(format: format, samples: blockFrames * width) + 4
        let reader = try SignalFileReader(url)
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: maxBytes, alignment: 8)
        defer { bytes.deallocate() }
        for block in range {
            let first = block * blockFrames
            let count = min(blockFrames, frames - first)
            let start = specs[0].byteOffset + WFDBFormat.byteCount(format: format, samples: first * width)
            let length = WFDBFormat.byteCount(format: format, samples: count * width)
            try reader.read(at: start, count: length, into: bytes.baseAddress!)
            take(UnsafeRawBufferPointer(rebasing: bytes[0..<length]), first, count)
        }
    }
}

/// Receives decoded frames (interleaved as the file stores them) and fills the outputs of the
/// wanted signals: difference integration (format 8), checksums, skew, frame means or every
/// sample, missing values as NaN, physical units. Outputs are written once; what no stored
/// frame reaches (the file's end, a skew's overrun) is NaN.
struct WFDBSampleSink {
    private let file: WFDBSignalFile
    private let frames: Int
    private let checksumFrames: Int
    private var outputs: [[Double]]
    /// Stored frames received so far, from frame 0 on.
    private var receivedFrames = 0
    /// Running values of format 8 (per stored signal) and checksums (per stored signal).
    private var current: [Int32]
    private var sums: [Int]

    init(file: WFDBSignalFile, frames: Int, checksumFrames: Int) {
        self.file = file
        self.frames = frames
        self.checksumFrames = checksumFrames
        // Every output sample is written by `take` or `finish`.
        outputs = file.wanted.map { s in
            let count = frames * file.outputsPerFrame(s)
            return [Double](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }
        current = file.specs.map { Int32(truncatingIfNeeded: $0.initialValue) }
        sums = [Int](repeating: 0, count: file.specs.count)
    }

    /// The outputs, NaN past the frames the file provided.
    mutating func finish() -> [[Double]] {
        for (slot, s) in file.wanted.enumerated() {
            let skew = file.specs[s].skew
            let written = max(0, min(receivedFrames, frames + skew) - skew)
            let from = written * file.outputsPerFrame(s)
            outputs[slot].withUnsafeMutableBufferPointer { out in
                for i in from..<out.count { out[i] = .nan }
            }
        }
        return outputs
    }

    /// Takes stored frames `firstFrame ..< firstFrame + frames` from `raw`, the frames before
    /// them already taken.
    mutating func take(_ raw: UnsafeMutablePointer<Int32>, firstFrame: Int, frames count: Int) {
        if file.format == 8 { integrate(raw, frames: count) }
        var sums = self.sums
        withScatter { $0.take(raw, firstFrame: firstFrame, frames: count, sums: &sums) }
        self.sums = sums
        receivedFrames = firstFrame + count
    }

    /// Runs `body` with a scatter into the outputs, for blocks decoded elsewhere (in parallel);
    /// their checksums and extent are then given to `add(checksums:)` and `received(frames:)`.
    mutating func withScatter<T>(_ body: (WFDBScatter) throws -> T) rethrows -> T {
        let (file, frames, checksumFrames) = (file, frames, checksumFrames)
        return try ParallelRead.withPointers(&outputs) { pointers in
            try body(WFDBScatter(file: file, frames: frames, checksumFrames: checksumFrames, outputs: pointers))
        }
    }

    /// Adds a part's checksums (per stored signal).
    mutating func add(checksums: [Int]) {
        for s in sums.indices { sums[s] &+= checksums[s] }
    }

    /// Stored frames `0 ..< frames` have all been scattered.
    mutating func received(frames: Int) { receivedFrames = frames }

    /// Turns format 8's first differences into values, signal by signal across blocks.
    private mutating func integrate(_ raw: UnsafeMutablePointer<Int32>, frames count: Int) {
        let (width, offsets) = (file.frameWidth, file.frameOffsets)
        for s in file.specs.indices {
            let k = file.specs[s].samplesPerFrame
            var value = current[s]
            for f in 0..<count {
                for j in 0..<k {
                    let i = f * width + offsets[s] + j
                    value &+= raw[i]
                    raw[i] = value
                }
            }
            current[s] = value
        }
    }

    /// Compares the 16-bit sums of the wanted signals with the header's checksums.
    func verifyChecksums(url: URL) throws {
        for s in Set(file.wanted).sorted() {
            let spec = file.specs[s]
            guard let checksum = spec.checksum else { continue }
            if Int16(truncatingIfNeeded: sums[s]) != Int16(truncatingIfNeeded: checksum) {
                throw SignalFileError(
                    url: url,
                    message:
                        "checksum mismatch for signal \(spec.description.isEmpty ? "\(s)" : spec.description): header says \(checksum), samples sum to \(Int16(truncatingIfNeeded: sums[s])) (corrupt file?)"
                )
            }
        }
    }
}

/// Writes decoded frames into the outputs of the wanted signals (skew, frame means or every
/// sample, missing values as NaN, physical units) and sums the wanted signals' checksums.
/// Blocks of different frames may be scattered concurrently: each writes only its own frames.
struct WFDBScatter: @unchecked Sendable {
    private let file: WFDBSignalFile
    private let frames: Int
    private let checksumFrames: Int
    /// Nil for an empty output (no frame lands there).
    private let outputs: [UnsafeMutablePointer<Double>?]
    private let offsets: [Int]
    private let width: Int
    /// The format's missing-sample value (formats without one: a value they cannot produce).
    private let invalid: Int32
    /// The stored signals whose checksums are verified (the wanted ones that have one).
    private let summed: [Int]

    init(file: WFDBSignalFile, frames: Int, checksumFrames: Int, outputs: [UnsafeMutablePointer<Double>?]) {
        self.file = file
        self.frames = frames
        self.checksumFrames = checksumFrames
        self.outputs = outputs
        offsets = file.frameOffsets
        width = file.frameWidth
        invalid = WFDBFormat.invalidValue(file.format).map(Int32.init) ?? .min
        summed = Set(file.wanted).sorted().filter { file.specs[$0].checksum != nil }
        sumsSlot = file.wanted.indices.map { [summed] slot in
            summed.contains(file.wanted[slot]) && file.wanted.firstIndex(of: file.wanted[slot]) == slot
        }
        takesStoredPairs =
            file.format == 212 && file.specs.count == 2 && file.frameWidth == 2
            && file.wanted.allSatisfy { file.specs[$0].skew == 0 } && checksumFrames <= frames
    }

    /// Whether `take(storedPairs:firstFrame:frames:sums:)` serves this read: two signals stored
    /// in format 212, one sample a frame (three bytes; the layout of the MIT-BIH databases), no
    /// skew, and no checksum over frames past the outputs.
    let takesStoredPairs: Bool
    /// Per wanted signal, whether it adds its checksum (the first output of a signal of `summed`).
    private let sumsSlot: [Bool]

    /// `take` for a block as the file stores it, when `takesStoredPairs`: each wanted signal is
    /// decoded, summed and scaled in one pass (`ecg_decode_212_pair_scaled`), without the
    /// interleaved copy `take(_:firstFrame:frames:sums:)` reads.
    func take(storedPairs bytes: UnsafeRawBufferPointer, firstFrame: Int, frames count: Int, sums: inout [Int]) {
        let b = bytes.bindMemory(to: UInt8.self).baseAddress!
        let summedFrames = max(0, min(count, checksumFrames - firstFrame))
        let outputFrames = max(0, min(count, frames - firstFrame))
        for (slot, s) in file.wanted.enumerated() where outputFrames > 0 {
            let spec = file.specs[s]
            let sum = ecg_decode_212_pair_scaled(
                b, outputFrames, Int32(s), Double(spec.baseline), spec.gain, invalid,
                sumsSlot[slot] ? summedFrames : 0, outputs[slot]! + firstFrame)
            sums[s] &+= Int(sum)
        }
    }

    /// Scatters stored frames `firstFrame ..< firstFrame + frames` of `raw`, adding their
    /// checksums (within the header's length) to `sums` (per stored signal).
    func take(_ raw: UnsafeMutablePointer<Int32>, firstFrame: Int, frames count: Int, sums: inout [Int]) {
        let summedFrames = max(0, min(count, checksumFrames - firstFrame))
        for s in summed where summedFrames > 0 {
            let k = file.specs[s].samplesPerFrame
            var sum = 0
            for j in 0..<k { sum &+= Int(ecg_sum_strided(raw + offsets[s] + j, width, summedFrames)) }
            sums[s] &+= sum
        }
        for (slot, s) in file.wanted.enumerated() {
            let spec = file.specs[s]
            // Stored frame f lands on output frame f - skew.
            let lo = max(firstFrame, spec.skew)
            let hi = min(firstFrame + count, frames + spec.skew)
            guard lo < hi else { continue }
            let base = raw + offsets[s] + (lo - firstFrame) * width
            let k = spec.samplesPerFrame
            let perFrame = file.outputsPerFrame(s)
            let gain = spec.gain
            let baseline = Double(spec.baseline)
            let target = outputs[slot]! + (lo - spec.skew) * perFrame
            let n = hi - lo
            if k == 1 {
                ecg_scale_samples(base, width, n, baseline, gain, invalid, target)
            } else if perFrame == k {
                for f in 0..<n {
                    for j in 0..<k {
                        let v = base[f * width + j]
                        target[f * k + j] = v == invalid ? .nan : (Double(v) - baseline) / gain
                    }
                }
            } else {
                for f in 0..<n {
                    var sum = 0
                    var missing = false
                    for j in 0..<k {
                        let v = base[f * width + j]
                        missing = missing || v == invalid
                        sum += Int(v)
                    }
                    target[f] = missing ? .nan : (Double(sum) / Double(k) - baseline) / gain
                }
            }
        }
    }
}
