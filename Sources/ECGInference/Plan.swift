/// Where each slot of a graph lives during a run: an input tensor or an offset in the arena.
/// Offsets are per sample; a chunk of n samples places slot s at `offset[s] * n`.
struct Plan: Sendable {
    enum Place: Sendable {
        case input(Int)
        case arena(Int)
        case unused
    }
    var places: [Place]
    /// Arena floats needed per sample.
    var arenaPerSample: Int

    init(_ graph: Graph) {
        let slots = graph.slotSizes.count
        var places = [Place](repeating: .unused, count: slots)
        for (i, input) in graph.inputs.enumerated() { places[graph.values[input.value].slot] = .input(i) }
        // Live range of each slot, in node indices (inclusive); outputs live to the end.
        var first = [Int](repeating: Int.max, count: slots)
        var last = [Int](repeating: -1, count: slots)
        for (i, node) in graph.nodes.enumerated() {
            var touched = node.inputs.map { graph.values[$0].slot } + [graph.values[node.output].slot]
            if let s = node.scratch { touched.append(s) }
            for s in touched {
                first[s] = min(first[s], i)
                last[s] = max(last[s], i)
            }
        }
        for o in graph.outputs { last[graph.values[o.value].slot] = graph.nodes.count }
        var placed: [(offset: Int, size: Int, first: Int, last: Int)] = []
        var total = 0
        let order = (0..<slots).filter { first[$0] != Int.max }.sorted { (first[$0], $0) < (first[$1], $1) }
        for s in order {
            if case .input = places[s] { continue }
            // Keep every slot a multiple of 16 floats so each stays 64-byte aligned.
            let size = (graph.slotSizes[s] + 15) / 16 * 16
            let clashes = placed.filter { $0.first <= last[s] && first[s] <= $0.last }.sorted { $0.offset < $1.offset }
            var offset = 0
            for c in clashes where c.offset < offset + size {
                if c.offset + c.size > offset { offset = c.offset + c.size }
            }
            placed.append((offset, size, first[s], last[s]))
            places[s] = .arena(offset)
            total = max(total, offset + size)
        }
        self.places = places
        self.arenaPerSample = total
    }
}
