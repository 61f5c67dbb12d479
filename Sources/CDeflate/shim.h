#include <zlib.h>

/* deflateInit2 is a macro, which Swift cannot call: a zlib stream at `level` with `strategy`. */
static inline int cdeflate_init(z_streamp stream, int level, int strategy) {
    return deflateInit2(stream, level, Z_DEFLATED, 15, 8, strategy);
}
