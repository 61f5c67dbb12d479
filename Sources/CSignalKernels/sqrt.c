// Vector square roots for ECGSignal, the instruction set chosen at run time.
#include "csignalkernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static long sqrt_avx512(double *x, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(x + i, _mm512_sqrt_pd(_mm512_loadu_pd(x + i)));
    return i;
}

__attribute__((target("avx")))
static long sqrt_avx(double *x, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, _mm256_sqrt_pd(_mm256_loadu_pd(x + i)));
    return i;
}

static long sqrt_sse2(double *x, long n) {
    long i = 0;
    for (; i + 2 <= n; i += 2) _mm_storeu_pd(x + i, _mm_sqrt_pd(_mm_loadu_pd(x + i)));
    return i;
}

static int level(void) {
    static int cached = -1;  // racing first calls all store the same value
    int found = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (found < 0) {
        __builtin_cpu_init();
        found = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx") ? 1 : 0;
        __atomic_store_n(&cached, found, __ATOMIC_RELAXED);
    }
    return found;
}
#endif

void ecg_sqrt_inplace(double *x, long n) {
    long i = 0;
#if defined(__x86_64__)
    switch (level()) {
    case 2: i = sqrt_avx512(x, n); break;
    case 1: i = sqrt_avx(x, n); break;
    default: i = sqrt_sse2(x, n); break;
    }
#endif
    for (; i < n; i++) x[i] = __builtin_sqrt(x[i]);
}
