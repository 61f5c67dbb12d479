import CFLAC
import Foundation

/// The FLAC-compressed WFDB formats 508, 516 and 524, decoded by libFLAC: a signal file is a
/// FLAC stream with one channel per signal (all with the same samples per frame), channel j's
/// samples `f * k ..< (f + 1) * k` being frame f of signal j; the signal line's byte offset
/// counts samples to skip.
enum WFDBFLAC {
    /// Frames of the stream after its sample offset, from the stream's header (or, when the
    /// header does not say or claims more than the file can hold, by decoding it: the outputs
    /// are allocated for this many frames, so a 500-byte file must not claim billions).
    static func frameCount(_ file: WFDBSignalFile) throws -> Int {
        let k = try samplesPerFrame(file)
        let offset = file.specs[0].byteOffset
        let total = try withDecoder(file) { decoder, _ in
            guard FLAC__stream_decoder_process_until_end_of_metadata(decoder) != 0 else { return UInt64(0) }
            return FLAC__stream_decoder_get_total_samples(decoder)
        }
        if total > 0, total <= maxSamples(streamBytes: try SignalFileReader(file.url).size()) {
            return max(0, Int(total) - offset) / k
        }
        var frames = 0
        try decode(file, frames: .max) { _, _, count in frames += count }
        return frames
    }

    /// The most samples of each channel a FLAC stream of `streamBytes` bytes can hold: a FLAC
    /// frame holds at most 65,535 samples a channel and takes at least 10 bytes (header, one
    /// constant subframe, CRC).
    static func maxSamples(streamBytes: Int) -> UInt64 {
        UInt64(streamBytes / 10 + 1) * 65_535
    }

    /// Decodes frames `0 ..< frames` into `sink`.
    static func decode(_ file: WFDBSignalFile, frames: Int, into sink: inout WFDBSampleSink) throws {
        try decode(file, frames: frames) { raw, first, count in sink.take(raw, firstFrame: first, frames: count) }
    }

    /// Decodes up to `frames` frames, handing them over in blocks laid out as a binary signal
    /// file stores them (frame after frame, each signal's samples in turn).
    private static func decode(
        _ file: WFDBSignalFile, frames: Int, _ take: (UnsafeMutablePointer<Int32>, Int, Int) -> Void
    ) throws {
        guard frames > 0 else { return }
        let k = try samplesPerFrame(file)
        try withoutActuallyEscaping(take) { take in
            let context = FLACContext(
                channels: file.specs.count, samplesPerFrame: k, skip: file.specs[0].byteOffset, frames: frames,
                take: take)
            defer { context.buffer.deallocate() }
            try withDecoder(file, context: context) { decoder, context in
                FLAC__stream_decoder_process_until_end_of_stream(decoder)
                if let problem = context.problem {
                    throw SignalFileError(url: file.url, message: "FLAC stream: \(problem)")
                }
                let state = FLAC__stream_decoder_get_state(decoder)
                if state != FLAC__STREAM_DECODER_END_OF_STREAM && state != FLAC__STREAM_DECODER_ABORTED {
                    throw SignalFileError(
                        url: file.url,
                        message:
                            "FLAC stream: \(String(cString: FLAC__stream_decoder_get_resolved_state_string(decoder)))")
                }
                context.flush()
            }
        }
    }

    private static func samplesPerFrame(_ file: WFDBSignalFile) throws -> Int {
        let k = file.specs[0].samplesPerFrame
        guard file.specs.allSatisfy({ $0.samplesPerFrame == k }) else {
            throw SignalFileError(
                url: file.url, message: "the signals of a FLAC file must have the same samples per frame")
        }
        return k
    }

    /// Opens a decoder on the file (with `context` as the callbacks' client data), runs `body`
    /// and frees the decoder.
    private static func withDecoder<T>(
        _ file: WFDBSignalFile, context: FLACContext? = nil,
        _ body: (UnsafeMutablePointer<FLAC__StreamDecoder>, FLACContext) throws -> T
    ) throws -> T {
        guard let decoder = FLAC__stream_decoder_new() else {
            throw SignalFileError(url: file.url, message: "cannot create a FLAC decoder")
        }
        defer { FLAC__stream_decoder_delete(decoder) }
        let context =
            context
            ?? FLACContext(channels: file.specs.count, samplesPerFrame: 1, skip: 0, frames: 0, take: { _, _, _ in })
        let client = Unmanaged.passUnretained(context).toOpaque()
        let status = FLAC__stream_decoder_init_file(decoder, file.url.path, flacWrite, nil, flacError, client)
        guard status == FLAC__STREAM_DECODER_INIT_STATUS_OK else {
            throw SignalFileError(
                url: file.url, message: "cannot be opened as a FLAC stream (libFLAC init status \(status.rawValue))")
        }
        defer { FLAC__stream_decoder_finish(decoder) }
        return try withExtendedLifetime(context) { try body(decoder, context) }
    }
}

/// State of one decoding run, reached from libFLAC's callbacks through their client data.
private final class FLACContext {
    let channels: Int
    let samplesPerFrame: Int
    let frames: Int
    let take: (UnsafeMutablePointer<Int32>, Int, Int) -> Void
    /// Whole frames per block handed over, and the block being filled.
    let blockFrames: Int
    let buffer: UnsafeMutablePointer<Int32>
    /// Samples per channel still to skip (the sample offset), and taken since.
    var skip: Int
    var taken = 0
    /// First frame of the block being filled.
    var blockStart = 0
    var problem: String?

    init(
        channels: Int, samplesPerFrame: Int, skip: Int, frames: Int,
        take: @escaping (UnsafeMutablePointer<Int32>, Int, Int) -> Void
    ) {
        self.channels = channels
        self.samplesPerFrame = samplesPerFrame
        self.skip = skip
        self.frames = frames
        self.take = take
        blockFrames = max(1, 16_384 / max(1, channels * samplesPerFrame))
        buffer = .allocate(capacity: blockFrames * channels * samplesPerFrame)
    }

    /// Takes one FLAC block; false once every wanted frame is in.
    func write(_ samples: UnsafePointer<UnsafePointer<Int32>?>, count: Int, channels: Int) -> Bool {
        guard channels == self.channels else {
            problem = "\(channels) channels, the header lists \(self.channels) signals in this file"
            return false
        }
        let k = samplesPerFrame
        let width = channels * k
        var i = min(skip, count)
        skip -= i
        while i < count {
            let frame = taken / k
            if frame >= frames { return false }
            let within = frame - blockStart
            if within == blockFrames {
                flush()
                continue
            }
            let sample = taken % k
            for c in 0..<channels { buffer[within * width + c * k + sample] = samples[c]![i] }
            taken += 1
            i += 1
        }
        return taken / k < frames
    }

    /// Hands over the whole frames of the block being filled.
    func flush() {
        let whole = min(taken / samplesPerFrame, frames) - blockStart
        if whole > 0 { take(buffer, blockStart, whole) }
        blockStart += whole
    }
}

private func flacWrite(
    _ decoder: UnsafePointer<FLAC__StreamDecoder>?, _ frame: UnsafePointer<FLAC__Frame>?,
    _ buffer: UnsafePointer<UnsafePointer<FLAC__int32>?>?,
    _ client: UnsafeMutableRawPointer?
) -> FLAC__StreamDecoderWriteStatus {
    let context = Unmanaged<FLACContext>.fromOpaque(client!).takeUnretainedValue()
    let header = frame!.pointee.header
    let more = context.write(buffer!, count: Int(header.blocksize), channels: Int(header.channels))
    return more ? FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE : FLAC__STREAM_DECODER_WRITE_STATUS_ABORT
}

private func flacError(
    _ decoder: UnsafePointer<FLAC__StreamDecoder>?, _ status: FLAC__StreamDecoderErrorStatus,
    _ client: UnsafeMutableRawPointer?
) {
    let context = Unmanaged<FLACContext>.fromOpaque(client!).takeUnretainedValue()
    let problem: String
    switch status {
    case FLAC__STREAM_DECODER_ERROR_STATUS_LOST_SYNC: problem = "lost sync (corrupt data)"
    case FLAC__STREAM_DECODER_ERROR_STATUS_BAD_HEADER: problem = "bad frame header"
    case FLAC__STREAM_DECODER_ERROR_STATUS_FRAME_CRC_MISMATCH: problem = "frame CRC mismatch (corrupt data)"
    default: problem = "unparseable stream (libFLAC error \(status.rawValue))"
    }
    context.problem = context.problem ?? problem
}
