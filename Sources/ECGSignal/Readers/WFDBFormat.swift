import CSignalKernels
import Foundation

/// Decoding of WFDB signal file formats into raw ADC values.
enum WFDBFormat {
    /// Formats this reader decodes: the binary formats and the FLAC-compressed 508, 516 and 524.
    static let supported: Set<Int> = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524]

    /// The FLAC-compressed formats (8, 16 or 24 bits a sample), decoded by libFLAC.
    static func isFLAC(_ format: Int) -> Bool { format == 508 || format == 516 || format == 524 }

    /// ADC resolution in bits assumed when the header gives none.
    static func defaultResolution(_ format: Int) -> Int {
        switch format {
        case 8, 80, 508: return 8
        case 212: return 12
        case 310, 311: return 10
        case 24, 524: return 24
        case 32: return 32
        default: return 16
        }
    }

    /// The value a format uses to mark a missing sample (read as NaN), if it has one.
    static func invalidValue(_ format: Int) -> Int? {
        switch format {
        case 80, 508: return -128
        case 212: return -2048
        case 310, 311: return -512
        case 16, 61, 160, 516: return -32768
        case 24, 524: return -(1 << 23)
        case 32: return Int(Int32.min)
        default: return nil
        }
    }

    /// Number of whole samples held by `byteCount` bytes of the format.
    static func sampleCapacity(format: Int, byteCount: Int) -> Int {
        switch format {
        case 8, 80: return byteCount
        case 16, 61, 160: return byteCount / 2
        case 24: return byteCount / 3
        case 32: return byteCount / 4
        case 212: return byteCount / 3 * 2 + (byteCount % 3 >= 2 ? 1 : 0)
        case 310, 311: return byteCount / 4 * 3 + (byteCount % 4 >= 2 ? 1 : 0)
        default: return 0
        }
    }

    /// Number of bytes `samples` samples take in the format.
    static func byteCount(format: Int, samples: Int) -> Int {
        switch format {
        case 8, 80: return samples
        case 16, 61, 160: return samples * 2
        case 24: return samples * 3
        case 32: return samples * 4
        case 212: return samples / 2 * 3 + samples % 2 * 2
        case 310, 311: return samples / 3 * 4 + [0, 2, 4][samples % 3]
        default: return 0
        }
    }

    /// Decodes only the samples at `positions` (offsets within a frame of `width` samples) of
    /// `frames` frames into their places in `out`, when the format allows it (16 and 212, the
    /// formats of long recordings); false when `decode` must decode every sample instead.
    static func decode(
        format: Int, bytes: UnsafeRawBufferPointer, frames: Int, width: Int, positions: [Int],
        into out: UnsafeMutablePointer<Int32>
    ) -> Bool {
        let b = bytes.bindMemory(to: UInt8.self).baseAddress!
        switch format {
        case 16:
            for p in positions { ecg_decode_16_position(b, frames, width, p, out) }
        case 212:
            for p in positions { ecg_decode_212_position(b, frames, width, p, out) }
        default:
            return false
        }
        return true
    }

    /// Decodes the first `count` samples of `bytes` (interleaved over the file's signals) into
    /// `out`. `bytes` starts at a sample that begins a packing group (any sample for byte
    /// formats, an even one for 212, a multiple of three for 310 and 311). Difference format 8
    /// yields the stored differences; the caller integrates them.
    static func decode(
        format: Int, bytes: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Int32>
    ) {
        let b = bytes.bindMemory(to: UInt8.self)
        @inline(__always) func u16(_ i: Int) -> Int32 { Int32(b[i]) | Int32(b[i + 1]) << 8 }
        @inline(__always) func signExtend(_ value: Int32, bits: Int32) -> Int32 {
            (value << (32 - bits)) >> (32 - bits)
        }
        switch format {
        case 8:
            for i in 0..<count { out[i] = Int32(Int8(bitPattern: b[i])) }
        case 80:
            for i in 0..<count { out[i] = Int32(b[i]) - 128 }
        case 16:
            for i in 0..<count {
                out[i] = Int32(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
            }
        case 61:
            for i in 0..<count { out[i] = Int32(Int16(bitPattern: UInt16(b[2 * i]) << 8 | UInt16(b[2 * i + 1]))) }
        case 160:
            for i in 0..<count { out[i] = u16(2 * i) - 32768 }
        case 24:
            for i in 0..<count {
                out[i] = signExtend(Int32(b[3 * i]) | Int32(b[3 * i + 1]) << 8 | Int32(b[3 * i + 2]) << 16, bits: 24)
            }
        case 32:
            for i in 0..<count {
                out[i] = Int32(
                    bitPattern: UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16 | UInt32(
                        b[4 * i + 3]) << 24)
            }
        case 212:
            var i = 0
            while i + 1 < count {
                let base = i / 2 * 3
                let middle = Int32(b[base + 1])
                out[i] = signExtend(Int32(b[base]) | (middle & 0x0F) << 8, bits: 12)
                out[i + 1] = signExtend(Int32(b[base + 2]) | (middle & 0xF0) << 4, bits: 12)
                i += 2
            }
            if i < count {
                let base = i / 2 * 3
                out[i] = signExtend(Int32(b[base]) | (Int32(b[base + 1]) & 0x0F) << 8, bits: 12)
            }
        case 310:
            for i in 0..<count {
                let base = i / 3 * 4
                let raw: Int32
                switch i % 3 {
                case 0: raw = u16(base) >> 1 & 0x3FF
                case 1: raw = u16(base + 2) >> 1 & 0x3FF
                default: raw = u16(base) >> 11 | (u16(base + 2) >> 11) << 5
                }
                out[i] = signExtend(raw, bits: 10)
            }
        case 311:
            for i in 0..<count {
                let base = i / 3 * 4
                let raw: Int32
                switch i % 3 {
                case 0: raw = u16(base) & 0x3FF
                case 1: raw = (u16(base) >> 10 | u16(base + 2) << 6) & 0x3FF
                default: raw = u16(base + 2) >> 4 & 0x3FF
                }
                out[i] = signExtend(raw, bits: 10)
            }
        default:
            break
        }
    }
}
