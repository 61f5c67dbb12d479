import Foundation

/// Decoding of WFDB signal file formats into raw ADC values.
enum WFDBFormat {
    /// Formats this reader decodes.
    static let supported: Set<Int> = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311]

    /// ADC resolution in bits assumed when the header gives none.
    static func defaultResolution(_ format: Int) -> Int {
        switch format {
        case 8, 80: return 8
        case 212: return 12
        case 310, 311: return 10
        case 24: return 24
        case 32: return 32
        default: return 16
        }
    }

    /// The value a format uses to mark a missing sample (read as NaN), if it has one.
    static func invalidValue(_ format: Int) -> Int? {
        switch format {
        case 80: return -128
        case 212: return -2048
        case 310, 311: return -512
        case 16, 61, 160: return -32768
        case 24: return -(1 << 23)
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

    /// Decodes the first `count` samples of `bytes` (interleaved over the file's signals).
    /// Difference format 8 yields the stored differences; the caller integrates them.
    static func decode(format: Int, bytes: UnsafeRawBufferPointer, count: Int) -> [Int] {
        var out = [Int](repeating: 0, count: count)
        let b = bytes.bindMemory(to: UInt8.self)
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func signExtend(_ value: Int, bits: Int) -> Int {
            let sign = 1 << (bits - 1)
            return (value & (sign - 1)) - (value & sign)
        }
        switch format {
        case 8:
            for i in 0..<count { out[i] = Int(Int8(bitPattern: b[i])) }
        case 80:
            for i in 0..<count { out[i] = Int(b[i]) - 128 }
        case 16:
            for i in 0..<count { out[i] = signExtend(u16(2 * i), bits: 16) }
        case 61:
            for i in 0..<count { out[i] = signExtend(Int(b[2 * i]) << 8 | Int(b[2 * i + 1]), bits: 16) }
        case 160:
            for i in 0..<count { out[i] = u16(2 * i) - 32768 }
        case 24:
            for i in 0..<count {
                out[i] = signExtend(Int(b[3 * i]) | Int(b[3 * i + 1]) << 8 | Int(b[3 * i + 2]) << 16, bits: 24)
            }
        case 32:
            for i in 0..<count {
                out[i] = signExtend(u16(4 * i) | u16(4 * i + 2) << 16, bits: 32)
            }
        case 212:
            for i in 0..<count {
                let base = i / 2 * 3
                let raw = i % 2 == 0
                    ? Int(b[base]) | (Int(b[base + 1]) & 0x0F) << 8
                    : Int(b[base + 2]) | (Int(b[base + 1]) & 0xF0) << 4
                out[i] = signExtend(raw, bits: 12)
            }
        case 310:
            for i in 0..<count {
                let base = i / 3 * 4
                let raw: Int
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
                let raw: Int
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
        return out
    }
}
