import Dispatch
import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Frames over a pair of file descriptors (standard input and output), with blocking I/O on
/// dedicated threads so that pipes, terminals and regular files all work.
///
/// Reading stays at most `maxQueuedFrames` frames ahead of the connection, so a client that
/// sends faster than the server works is slowed down instead of filling memory.
struct StdioTransport: Sendable {
    let input: Int32
    let output: Int32
    let limits: TransportLimits
    let maxQueuedFrames = 8
    private let writeQueue = DispatchQueue(label: "jsonrpc.stdio.write")

    init(input: Int32, output: Int32, limits: TransportLimits) {
        self.input = input
        self.output = output
        self.limits = limits
    }

    /// Bytes a pipe between ecgd and its client holds (Linux's limit for unprivileged
    /// processes): a 30-minute signal of a few megabytes then crosses in a handful of trips, not
    /// in some fifty 64 KiB ones that each wait for the other side to wake up.
    static let pipeCapacity: Int32 = 1 << 20

    /// Bytes read at once.
    static let readChunk = 1 << 20

    /// Linux's `F_SETPIPE_SZ` (not exported to Swift).
    private static let setPipeSize: Int32 = 1031

    /// Asks for `pipeCapacity` on `descriptor` when it is a pipe (a hint: other files, other
    /// systems and a lower limit leave it as it was).
    static func enlargePipe(_ descriptor: Int32) {
        #if os(Linux)
            var info = stat()
            guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else { return }
            _ = fcntl(descriptor, setPipeSize, pipeCapacity)
        #endif
    }

    /// Starts the reading thread and returns the frames it decodes.
    func frames() -> BoundedFrames {
        let (stream, continuation) = AsyncStream.makeStream(of: InboundFrame.self)
        let slots = DispatchSemaphore(value: maxQueuedFrames)
        Self.enlargePipe(input)
        Self.enlargePipe(output)
        let thread = Thread { [input, limits] in
            var decoder = FrameDecoder(limits: limits)
            var buffer = ByteBuffer()
            var chunk = [UInt8](repeating: 0, count: Self.readChunk)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    for event in decoder.finish(&buffer) { continuation.yield(event) }
                    break
                }
                buffer.writeBytes(chunk[0..<n])
                while let event = decoder.next(from: &buffer) {
                    slots.wait()
                    continuation.yield(event)
                }
                buffer.discardReadBytes()
            }
            continuation.finish()
        }
        thread.start()
        return BoundedFrames(stream: stream, slots: slots)
    }

    /// Writes one frame completely, off the cooperative thread pool.
    func write(_ frame: Frame) async throws {
        var encoded = ByteBuffer()
        FrameEncoder.write(frame, into: &encoded)
        let bytes = encoded
        let output = self.output
        let result: Int32 = await withCheckedContinuation { done in
            writeQueue.async {
                var failure: Int32 = 0
                bytes.withUnsafeReadableBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = Glibc.write(output, raw.baseAddress! + offset, raw.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            failure = errno
                            return
                        }
                        offset += n
                    }
                }
                done.resume(returning: failure)
            }
        }
        if result != 0 { throw IOError(errnoCode: result, reason: "write to standard output") }
    }
}

/// The frames read from standard input; taking one frees a slot for the reading thread.
struct BoundedFrames: AsyncSequence, Sendable {
    typealias Element = InboundFrame
    let stream: AsyncStream<InboundFrame>
    let slots: DispatchSemaphore

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<InboundFrame>.Iterator
        let slots: DispatchSemaphore

        mutating func next() async -> InboundFrame? {
            guard let event = await base.next() else { return nil }
            slots.signal()
            return event
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), slots: slots)
    }
}
