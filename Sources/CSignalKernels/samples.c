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

void ecg_decode_212_position(const unsigned char *bytes, long frames, long width, long position, int *out) {
    if (width % 2 == 0) {
        // Every frame starts a packing group: the sample's place in its pair never changes.
        const unsigned char *b = bytes + position / 2 * 3;
        long step = width / 2 * 3;
        int *o = out + position;
        if (position % 2 == 0) {
            for (long f = 0; f < frames; f++, b += step, o += width) {
                int v = b[0] | (b[1] & 0x0F) << 8;
                *o = v - ((v & 0x800) << 1);
            }
        } else {
            for (long f = 0; f < frames; f++, b += step, o += width) {
                int v = b[2] | (b[1] & 0xF0) << 4;
                *o = v - ((v & 0x800) << 1);
            }
        }
        return;
    }
    for (long f = 0; f < frames; f++) {
        long i = f * width + position;
        const unsigned char *b = bytes + i / 2 * 3;
        int v = i % 2 == 0 ? (b[0] | (b[1] & 0x0F) << 8) : (b[2] | (b[1] & 0xF0) << 4);
        out[i] = v - ((v & 0x800) << 1);
    }
}

void ecg_decode_16_position(const unsigned char *bytes, long frames, long width, long position, int *out) {
    const unsigned char *b = bytes + 2 * position;
    int *o = out + position;
    for (long f = 0; f < frames; f++, b += 2 * width, o += width) *o = (short)(b[0] | b[1] << 8);
}
