import Foundation

/// A read-only parser for the part of HDF5 that h5py writes for Keras weights: superblocks
/// v0 to v3, object headers v1 and v2, groups as symbol tables (B-tree v1, local heap) or as
/// compact link messages, and contiguous or compact datasets of integers or floats.
///
/// libhdf5 crashes on some corrupt files (out-of-bounds reads, null dereferences); this
/// parser checks every offset and size against the file, bounds every loop, and throws.
struct HDF5File {
    /// Why the file cannot be read.
    enum Failure: Error {
        case corrupt(String)
        case unsupported(String)
    }

    private let bytes: [UInt8]
    private var offsetSize = 8, lengthSize = 8
    /// File position that addresses are relative to.
    private var base = 0
    /// Object header address of the root group.
    private(set) var root = 0
    /// Structures (messages, tree children, links) left to parse: a hostile file may make many
    /// groups share one huge symbol table, so parsing is bounded as a whole.
    private let work = WorkBudget()

    private final class WorkBudget {
        var remaining = 1_000_000
    }

    private func spend(_ units: Int = 1) throws {
        work.remaining -= units
        guard work.remaining >= 0 else {
            throw Failure.unsupported("too many structures to parse (more than a million)")
        }
    }

    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    init(_ data: Data) throws {
        bytes = [UInt8](data)
        // The superblock sits at 0, 512, 1024, 2048, ... (after a user block).
        var at = 0
        while at + 8 <= bytes.count, Array(bytes[at..<(at + 8)]) != Self.signature {
            at = at == 0 ? 512 : at * 2
        }
        guard at + 8 <= bytes.count else { throw Failure.corrupt("no HDF5 signature (not an HDF5 file)") }
        let version = try u(at + 8, 1)
        switch version {
        case 0, 1:
            offsetSize = Int(try u(at + 13, 1))
            lengthSize = Int(try u(at + 14, 1))
            try checkSizes()
            var p = at + (version == 0 ? 24 : 28)
            base = try int(p, offsetSize)
            p += 4 * offsetSize  // base, free space, end of file, driver information
            p += offsetSize  // root symbol table entry: link name offset
            root = try address(p, "root group")
        case 2, 3:
            offsetSize = Int(try u(at + 9, 1))
            lengthSize = Int(try u(at + 10, 1))
            try checkSizes()
            base = try int(at + 12, offsetSize)
            root = try address(at + 12 + 3 * offsetSize, "root group")
        default:
            throw Failure.unsupported("superblock version \(version)")
        }
    }

    private func checkSizes() throws {
        guard [2, 4, 8].contains(offsetSize), [2, 4, 8].contains(lengthSize) else {
            throw Failure.corrupt("sizes of offsets \(offsetSize) and lengths \(lengthSize)")
        }
    }

    // MARK: bounds-checked reads

    /// `n` (1...8) little-endian bytes at `at`.
    private func u(_ at: Int, _ n: Int) throws -> UInt64 {
        guard at >= 0, n >= 1, n <= 8, at <= bytes.count - n else {
            throw Failure.corrupt("read past the end of the file (truncated?)")
        }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return v
    }

    private func int(_ at: Int, _ n: Int) throws -> Int {
        guard let v = Int(exactly: try u(at, n)), v <= bytes.count else {
            throw Failure.corrupt("size or offset out of range at \(at)")
        }
        return v
    }

    /// The file position an address field at `at` points to; nil when undefined (all ones).
    private func optionalAddress(_ at: Int) throws -> Int? {
        let raw = try u(at, offsetSize)
        if offsetSize == 8 ? raw == .max : raw == (1 << UInt64(8 * offsetSize)) - 1 { return nil }
        guard let a = Int(exactly: raw), a < bytes.count - base else {
            throw Failure.corrupt("address \(raw) outside the file (truncated?)")
        }
        return base + a
    }

    private func address(_ at: Int, _ what: String) throws -> Int {
        guard let a = try optionalAddress(at) else { throw Failure.corrupt("\(what) has no address") }
        return a
    }

    private func expect(_ sig: String, at: Int) throws {
        let s = Array(sig.utf8)
        guard at >= 0, at <= bytes.count - s.count, Array(bytes[at..<(at + s.count)]) == s else {
            throw Failure.corrupt("no \(sig) structure at \(at)")
        }
    }

    // MARK: object headers

    private struct Message {
        var type: Int
        var at: Int
        var size: Int
    }

    /// The messages of the object header at `at`, following continuation blocks.
    private func messages(_ at: Int) throws -> [Message] {
        var out: [Message] = []
        var blocks: [(start: Int, end: Int)] = []
        let v2 = at <= bytes.count - 4 && Array(bytes[at..<(at + 4)]) == Array("OHDR".utf8)
        var flags = 0
        if v2 {
            guard try u(at + 4, 1) == 2 else { throw Failure.unsupported("object header version at \(at)") }
            flags = Int(try u(at + 5, 1))
            var p = at + 6
            if flags & 0x20 != 0 { p += 16 }
            if flags & 0x10 != 0 { p += 4 }
            let sizeBytes = 1 << (flags & 3)
            let size = try int(p, sizeBytes)
            blocks.append((p + sizeBytes, p + sizeBytes + size))
        } else {
            guard try u(at, 1) == 1 else { throw Failure.corrupt("no object header at \(at)") }
            let size = try int(at + 8, 4)
            blocks.append((at + 16, at + 16 + size))
        }
        var seen: Set<Int> = []
        var b = 0
        while b < blocks.count {
            let (start, end) = blocks[b]
            b += 1
            guard blocks.count <= 1000, end <= bytes.count, start <= end else {
                throw Failure.corrupt("object header block outside the file")
            }
            var p = start
            let headerSize = v2 ? 4 + (flags & 0x04 != 0 ? 2 : 0) : 8
            while p + headerSize <= end {
                let type = Int(try u(p, v2 ? 1 : 2))
                let size = Int(try u(p + (v2 ? 1 : 2), 2))
                let data = p + headerSize
                guard data + size <= end else {
                    throw Failure.corrupt("object header message overruns its block at \(p)")
                }
                out.append(Message(type: type, at: data, size: size))
                try spend()
                guard out.count <= 10_000 else { throw Failure.corrupt("too many object header messages") }
                if type == 0x10 {
                    let next = try address(data, "continuation")
                    let length = try int(data + offsetSize, lengthSize)
                    guard seen.insert(next).inserted else { throw Failure.corrupt("object header continuation loop") }
                    if v2 {
                        try expect("OCHK", at: next)
                        blocks.append((next + 4, next + length - 4))
                    } else {
                        blocks.append((next, next + length))
                    }
                }
                p = data + size
            }
        }
        return out
    }

    // MARK: groups

    /// Names and object header addresses of the members of the group at `header`.
    func children(_ header: Int) throws -> [(name: String, header: Int)] {
        let msgs = try messages(header)
        if let table = msgs.first(where: { $0.type == 0x11 }) {
            let tree = try address(table.at, "group B-tree")
            let heap = try address(table.at + offsetSize, "group heap")
            try expect("HEAP", at: heap)
            let heapSize = try int(heap + 8, lengthSize)
            let heapData = try address(heap + 8 + 2 * lengthSize, "heap data")
            guard heapSize <= bytes.count - heapData else { throw Failure.corrupt("local heap outside the file") }
            var out: [(String, Int)] = []
            var visited: Set<Int> = []
            try symbolTree(tree, depth: 0, heap: (heapData, heapSize), visited: &visited, into: &out)
            return out
        }
        if let info = msgs.first(where: { $0.type == 0x02 }), info.size >= 2 + offsetSize {
            let flags = try u(info.at + 1, 1)
            let heapField = info.at + 2 + (flags & 1 != 0 ? 8 : 0)
            if try optionalAddress(heapField) != nil { throw Failure.unsupported("groups with dense link storage") }
        }
        return try msgs.filter { $0.type == 0x06 }.compactMap { try link($0) }
    }

    private func symbolTree(
        _ at: Int, depth: Int, heap: (start: Int, size: Int), visited: inout Set<Int>,
        into out: inout [(String, Int)]
    ) throws {
        guard depth < 32, visited.insert(at).inserted, visited.count < 100_000 else {
            throw Failure.corrupt("group B-tree loop")
        }
        try expect("TREE", at: at)
        guard try u(at + 4, 1) == 0 else { throw Failure.corrupt("group B-tree of the wrong type at \(at)") }
        let level = Int(try u(at + 5, 1))
        let entries = Int(try u(at + 6, 2))
        var p = at + 8 + 2 * offsetSize + lengthSize  // header, siblings, key 0
        for _ in 0..<entries {
            try spend()
            let child = try address(p, "B-tree child")
            if level > 0 {
                try symbolTree(child, depth: depth + 1, heap: heap, visited: &visited, into: &out)
            } else {
                try symbolNode(child, heap: heap, into: &out)
            }
            p += offsetSize + lengthSize
        }
    }

    private func symbolNode(_ at: Int, heap: (start: Int, size: Int), into out: inout [(String, Int)]) throws {
        try expect("SNOD", at: at)
        let count = Int(try u(at + 6, 2))
        let entrySize = 2 * offsetSize + 24
        for i in 0..<count {
            try spend()
            let e = at + 8 + i * entrySize
            let nameOffset = try int(e, offsetSize)
            guard nameOffset < heap.size else { throw Failure.corrupt("link name outside the local heap") }
            let start = heap.start + nameOffset
            let limit = heap.start + heap.size
            guard let end = bytes[start..<limit].firstIndex(of: 0) else {
                throw Failure.corrupt("unterminated link name")
            }
            out.append(
                (String(decoding: bytes[start..<end], as: UTF8.self), try address(e + offsetSize, "object header")))
            guard out.count <= 1_000_000 else { throw Failure.corrupt("too many group members") }
        }
    }

    /// A hard link message as (name, header); nil for soft and external links.
    private func link(_ m: Message) throws -> (name: String, header: Int)? {
        guard try u(m.at, 1) == 1 else { throw Failure.unsupported("link message version") }
        let flags = Int(try u(m.at + 1, 1))
        var p = m.at + 2
        var type = 0
        if flags & 0x08 != 0 {
            type = Int(try u(p, 1))
            p += 1
        }
        if flags & 0x04 != 0 { p += 8 }
        if flags & 0x10 != 0 { p += 1 }
        let nameBytes = 1 << (flags & 3)
        let length = try int(p, nameBytes)
        p += nameBytes
        guard length <= m.at + m.size - p else { throw Failure.corrupt("link name overruns its message") }
        let name = String(decoding: bytes[p..<(p + length)], as: UTF8.self)
        return type == 0 ? (name, try address(p + length, "link target")) : nil
    }

    /// The object header of the member `name` of the group at `header`, nil when absent.
    func member(_ header: Int, _ name: String) throws -> Int? {
        try children(header).first { $0.name == name }?.header
    }

    // MARK: datasets

    /// Shape and values (as floats) of the dataset at `header`; its element count must fit
    /// `budget`, which it then reduces.
    func dataset(_ header: Int, budget: inout Int) throws -> (shape: [Int], data: [Float]) {
        let msgs = try messages(header)
        guard let space = msgs.first(where: { $0.type == 0x01 }), let type = msgs.first(where: { $0.type == 0x03 }),
            let layout = msgs.first(where: { $0.type == 0x08 })
        else { throw Failure.corrupt("dataset without shape, type or layout") }
        guard !msgs.contains(where: { $0.type == 0x0B }) else {
            throw Failure.unsupported("compressed or filtered datasets")
        }
        let shape = try dataspace(space)
        guard let count = ModelLimits.elementCount(shape, limit: budget) else {
            throw Failure.unsupported(
                "dataset of \(ModelLimits.describeRefusal(shape)), or the weights exceed \(ModelLimits.maxModelWeights) (the limit)"
            )
        }
        let (isFloat, signed, bigEndian, width) = try datatype(type)
        let (start, stored) = try storage(layout)
        budget -= count
        guard let start else { return (shape, [Float](repeating: 0, count: count)) }
        guard stored >= count * width, start <= bytes.count - count * width else {
            throw Failure.corrupt("dataset data outside the file (truncated?)")
        }
        var data = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var raw: UInt64 = 0
            let p = start + i * width
            for j in 0..<width { raw |= UInt64(bytes[p + (bigEndian ? width - 1 - j : j)]) << (8 * UInt64(j)) }
            switch (isFloat, width) {
            case (true, 2): data[i] = Float(Float16(bitPattern: UInt16(raw)))
            case (true, 4): data[i] = Float(bitPattern: UInt32(raw))
            case (true, _): data[i] = Float(Double(bitPattern: raw))
            case (false, _):
                let shift = UInt64(64 - 8 * width)
                data[i] = signed ? Float(Int64(bitPattern: raw << shift) >> Int64(shift)) : Float(raw)
            }
        }
        return (shape, data)
    }

    private func dataspace(_ m: Message) throws -> [Int] {
        let version = try u(m.at, 1)
        let rank = Int(try u(m.at + 1, 1))
        guard rank <= ModelLimits.maxRank else { throw Failure.unsupported("dataset of rank \(rank)") }
        let dims: Int
        switch version {
        case 1: dims = m.at + 8
        case 2:
            if try u(m.at + 3, 1) == 2 { return [0] }  // null dataspace
            dims = m.at + 4
        default: throw Failure.unsupported("dataspace version \(version)")
        }
        guard dims + rank * lengthSize <= m.at + m.size else { throw Failure.corrupt("dataspace overruns its message") }
        return try (0..<rank).map { i in
            guard let d = Int(exactly: try u(dims + i * lengthSize, lengthSize)) else { return -1 }
            return d
        }
    }

    private func datatype(_ m: Message) throws -> (isFloat: Bool, signed: Bool, bigEndian: Bool, width: Int) {
        let classBits = try u(m.at, 1) & 0x0F
        let bits = try u(m.at + 1, 1)
        let width = try int(m.at + 4, 4)
        switch classBits {
        case 0 where [1, 2, 4, 8].contains(width): return (false, bits & 0x08 != 0, bits & 1 != 0, width)
        case 1 where [2, 4, 8].contains(width) && bits & 0x40 == 0: return (true, true, bits & 1 != 0, width)
        default:
            throw Failure.unsupported("datatype class \(classBits) of \(width) bytes (expected integers or floats)")
        }
    }

    /// Where the raw data lies and how many bytes are stored there; nil when never written.
    private func storage(_ m: Message) throws -> (start: Int?, size: Int) {
        let version = try u(m.at, 1)
        let layoutClass = try u(m.at + 1, 1)
        guard version == 3 || version == 4 else { throw Failure.unsupported("data layout version \(version)") }
        switch layoutClass {
        case 0:
            let size = try int(m.at + 2, 2)
            guard size <= m.size - 4 else { throw Failure.corrupt("compact data overruns its message") }
            return (m.at + 4, size)
        case 1:
            return (try optionalAddress(m.at + 2), try int(m.at + 2 + offsetSize, lengthSize))
        default:
            throw Failure.unsupported("chunked datasets")
        }
    }
}
