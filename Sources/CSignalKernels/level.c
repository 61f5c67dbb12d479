// Which instruction set the signal kernels use, chosen once at run time.
#include "csignalkernels.h"
#include "level.h"

#include <stdlib.h>
#include <string.h>

// The cap: ECGD_SIMD when set (portable, avx2 or avx512, the switch the inference kernels
// follow too), else none; ecg_signal_kernels_limit overrides it.
static int level_cap = -1;

#if defined(__x86_64__)
static int environment_cap(void) {
    const char *simd = getenv("ECGD_SIMD");
    if (simd == NULL) return 2;
    if (strcmp(simd, "portable") == 0) return 0;
    if (strcmp(simd, "avx2") == 0) return 1;
    return 2;
}

int ecg_signal_kernels_level(void) {
    static int cached = -1;  // racing first calls all store the same value
    int found = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (found < 0) {
        __builtin_cpu_init();
        found = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&cached, found, __ATOMIC_RELAXED);
    }
    int cap = __atomic_load_n(&level_cap, __ATOMIC_RELAXED);
    if (cap < 0) {
        cap = environment_cap();
        __atomic_store_n(&level_cap, cap, __ATOMIC_RELAXED);
    }
    return found < cap ? found : cap;
}
#else
int ecg_signal_kernels_level(void) { return 0; }
#endif

void ecg_signal_kernels_limit(int max_level) { __atomic_store_n(&level_cap, max_level, __ATOMIC_RELAXED); }
