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

/// Frames 0 ..< n (n a multiple of 8) of ecg_decode_212_pair_scaled, eight at a time: each
/// 16-byte load holds four frames, whose 12-bit fields are shuffled into 32-bit lanes.
__attribute__((target("avx2")))
static void decode_212_pair_avx2(
    const unsigned char *bytes, long n, int second, double baseline, double gain, int invalid, long summed,
    unsigned long long *sum, double *out) {
    // Lane k holds w = bytes 3k | 3k + 1 << 8 (first signal: its value is w & 0xFFF) or
    // 3k + 2 | 3k + 1 << 8 (second: the low byte, and the high nibble of byte 3k + 1 above it).
    const __m128i pick = second ? _mm_setr_epi8(2, 1, -1, -1, 5, 4, -1, -1, 8, 7, -1, -1, 11, 10, -1, -1)
                                : _mm_setr_epi8(0, 1, -1, -1, 3, 4, -1, -1, 6, 7, -1, -1, 9, 10, -1, -1);
    const __m256i shuffle = _mm256_broadcastsi128_si256(pick);
    const __m256i field = _mm256_set1_epi32(0x0FFF);
    const __m256d base = _mm256_set1_pd(baseline), scale = _mm256_set1_pd(gain);
    const __m256d nan = _mm256_set1_pd(__builtin_nan(""));
    const __m256i missing = _mm256_set1_epi32(invalid);
    __m256i total = _mm256_setzero_si256();  // four 64-bit lanes, wrapping like the scalar sum
    for (long f = 0; f < n; f += 8) {
        const unsigned char *b = bytes + 3 * f;
        __m256i x = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)(b + 12)), _mm_loadu_si128((const __m128i *)b));
        x = _mm256_shuffle_epi8(x, shuffle);
        if (second) {
            x = _mm256_or_si256(_mm256_and_si256(x, _mm256_set1_epi32(0xFF)),
                                _mm256_and_si256(_mm256_srli_epi32(x, 4), _mm256_set1_epi32(0xF00)));
        } else {
            x = _mm256_and_si256(x, field);
        }
        x = _mm256_srai_epi32(_mm256_slli_epi32(x, 20), 20);  // sign-extend the 12-bit value
        if (f < summed) {
            // The frames of this group that the checksum covers.
            long k = summed - f < 8 ? summed - f : 8;
            __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)k), lanes);
            __m256i counted = _mm256_and_si256(x, keep);
            total = _mm256_add_epi64(total, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(counted)));
            total = _mm256_add_epi64(total, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(counted, 1)));
        }
        __m256i gap = _mm256_cmpeq_epi32(x, missing);
        for (int half = 0; half < 2; half++) {
            __m128i v = half ? _mm256_extracti128_si256(x, 1) : _mm256_castsi256_si128(x);
            __m128i g = half ? _mm256_extracti128_si256(gap, 1) : _mm256_castsi256_si128(gap);
            __m256d y = _mm256_div_pd(_mm256_sub_pd(_mm256_cvtepi32_pd(v), base), scale);
            _mm256_storeu_pd(out + f + 4 * half, _mm256_blendv_pd(y, nan, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(g))));
        }
    }
    unsigned long long lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, total);
    *sum += lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

long long ecg_decode_212_pair_scaled(
    const unsigned char *bytes, long frames, int second, double baseline, double gain, int invalid, long summed,
    double *out) {
    unsigned long long sum = 0;  // wraps, as the checksum's arithmetic does
    long f = 0;
#if defined(__x86_64__)
    // Each group of eight reads 28 bytes from its start: stop while those are all the block's.
    if (ecg_signal_kernels_level() >= 1 && frames >= 10) {
        f = (frames - 2) / 8 * 8;
        decode_212_pair_avx2(bytes, f, second, baseline, gain, invalid, summed, &sum, out);
    }
#endif
    for (; f < frames; f++) {
        const unsigned char *b = bytes + 3 * f;
        int v = second ? (b[2] | (b[1] & 0xF0) << 4) : (b[0] | (b[1] & 0x0F) << 8);
        v -= (v & 0x800) << 1;
        if (f < summed) sum += (unsigned long long)(long long)v;
        out[f] = v == invalid ? __builtin_nan("") : ((double)v - baseline) / gain;
    }
    return (long long)sum;
}

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
