import CMalloc

/// Tunes glibc's allocator for a server that allocates and frees buffers of the same few
/// megabytes request after request (a 30-minute lead, its filtered copy, its beat windows).
///
/// By default glibc hands such blocks back to the kernel as they are freed (the larger ones
/// are mapped on their own, and a free heap top over the trim threshold is cut off), and the
/// next request takes a page fault for every 4 KiB of them again: on this project's 2-core
/// virtual machines, about 4,000 faults and a tenth of a 30-minute `classify`. Blocks up to
/// `mapThreshold` come from the heap instead, and up to `trimThreshold` of free heap top is
/// kept for the next request; larger blocks (a day-long lead) are still mapped and returned.
enum MemoryReuse {
    /// Blocks at least this large are mapped on their own (glibc's maximum for the setting).
    static let mapThreshold: Int32 = 32 << 20
    /// Free memory kept at the top of a heap for reuse.
    static let trimThreshold: Int32 = 256 << 20

    /// Applies the settings for the rest of the process.
    static func configure() {
        _ = mallopt(M_MMAP_THRESHOLD, mapThreshold)
        _ = mallopt(M_TRIM_THRESHOLD, trimThreshold)
    }
}
