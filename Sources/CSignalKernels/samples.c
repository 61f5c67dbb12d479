// Stored samples to physical units, the instruction set chosen at run time.
#include "csignalkernels.h"
#include "level.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2")))
static long scale_avx2(
    const int *raw, long stride, long n, double baseline, double gain, int invalid, double *out) {
    const __m256d base = _mm256_set1_pd(baseline), scale = _mm256_set1_pd(gain);
    const __m256d nan = _mm256_set1_pd(__builtin_nan(""));
    const __m128i missing = _mm_set1_epi32(invalid);
    long f = 0;
    for (; f + 4 <= n; f += 4) {
        const int *p = raw + f * stride;
        __m128i v = _mm_set_epi32(p[3 * stride], p[2 * stride], p[stride], p[0]);
        __m256d x = _mm256_div_pd(_mm256_sub_pd(_mm256_cvtepi32_pd(v), base), scale);
        __m256d gap = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(v, missing)));
        _mm256_storeu_pd(out + f, _mm256_blendv_pd(x, nan, gap));
    }
    return f;
}
#endif

void ecg_scale_samples(
    const int *raw, long stride, long n, double baseline, double gain, int invalid, double *out) {
    long f = 0;
#if defined(__x86_64__)
    if (ecg_signal_kernels_level() >= 1) f = scale_avx2(raw, stride, n, baseline, gain, invalid, out);
#endif
    for (; f < n; f++) {
        int v = raw[f * stride];
        out[f] = v == invalid ? __builtin_nan("") : ((double)v - baseline) / gain;
    }
}

long long ecg_sum_strided(const int *raw, long stride, long n) {
    unsigned long long sum = 0;  // wraps, as the checksum's arithmetic does
    if (stride == 1) {
        for (long f = 0; f < n; f++) sum += (unsigned long long)(long long)raw[f];
    } else {
        for (long f = 0; f < n; f++) sum += (unsigned long long)(long long)raw[f * stride];
    }
    return (long long)sum;
}
