// Vector kernels for ECGSignal's QRS feature, the instruction set chosen at run time (level.c).
// Products and sums are separate instructions (no fused multiply-add), so every lane rounds
// exactly like the scalar Swift code it replaces.
#include "csignalkernels.h"
#include "level.h"


#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static long rms_avx512(const double *s, long count, long w, double scale, double *out) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m512d acc = _mm512_setzero_pd();
        for (long j = 0; j < w; j++) {
            __m512d v = _mm512_loadu_pd(s + i + j);
            acc = _mm512_add_pd(acc, _mm512_mul_pd(v, v));
        }
        _mm512_storeu_pd(out + i, _mm512_sqrt_pd(_mm512_mul_pd(acc, _mm512_set1_pd(scale))));
    }
    return i;
}

__attribute__((target("avx")))
static long rms_avx(const double *s, long count, long w, double scale, double *out) {
    long i = 0;
    for (; i + 4 <= count; i += 4) {
        __m256d acc = _mm256_setzero_pd();
        for (long j = 0; j < w; j++) {
            __m256d v = _mm256_loadu_pd(s + i + j);
            acc = _mm256_add_pd(acc, _mm256_mul_pd(v, v));
        }
        _mm256_storeu_pd(out + i, _mm256_sqrt_pd(_mm256_mul_pd(acc, _mm256_set1_pd(scale))));
    }
    return i;
}

static long rms_sse2(const double *s, long count, long w, double scale, double *out) {
    long i = 0;
    for (; i + 2 <= count; i += 2) {
        __m128d acc = _mm_setzero_pd();
        for (long j = 0; j < w; j++) {
            __m128d v = _mm_loadu_pd(s + i + j);
            acc = _mm_add_pd(acc, _mm_mul_pd(v, v));
        }
        _mm_storeu_pd(out + i, _mm_sqrt_pd(_mm_mul_pd(acc, _mm_set1_pd(scale))));
    }
    return i;
}

#endif

void ecg_window_rms(const double *s, long count, long w, double scale, double *out) {
    long i = 0;
#if defined(__x86_64__)
    switch (ecg_signal_kernels_level()) {
    case 2: i = rms_avx512(s, count, w, scale, out); break;
    case 1: i = rms_avx(s, count, w, scale, out); break;
    default: i = rms_sse2(s, count, w, scale, out); break;
    }
#endif
    for (; i < count; i++) {
        double acc = 0;
        for (long j = 0; j < w; j++) {
            double square = s[i + j] * s[i + j];
            acc += square;
        }
        double mean = acc * scale;
        out[i] = __builtin_sqrt(mean);
    }
}

void ecg_local_maxima_marks(const double *v, long first, long end, unsigned long long *marks) {
    for (long w = first; w < end; w++) {
        const double *p = v + 64 * w;
        unsigned long long bits = 0;
#if defined(__x86_64__)
        for (int b = 0; b < 64; b += 2) {
            __m128d here = _mm_loadu_pd(p + b);
            __m128d rises = _mm_cmpnle_pd(here, _mm_loadu_pd(p + b - 1));
            __m128d falls = _mm_cmpnlt_pd(here, _mm_loadu_pd(p + b + 1));
            bits |= (unsigned long long)_mm_movemask_pd(_mm_and_pd(rises, falls)) << b;
        }
#else
        for (int b = 0; b < 64; b++) {
            int peak = !(p[b] <= p[b - 1]) && !(p[b] < p[b + 1]);
            bits |= (unsigned long long)peak << b;
        }
#endif
        marks[w] = bits;
    }
}

/// Eight doubles; one AVX-512 register, or several narrower ones.
typedef double lanes8 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) void biquad8(
    double *base, long step, long n, double b0, double b1, double b2, double a1, double a2,
    double gain, double input, long warm_up) {
    long block = (n - warm_up) / 8;
    double *p[8];
    for (int c = 0; c < 8; c++) p[c] = base + step * c * block;
    lanes8 x1 = {input, p[1][0], p[2][0], p[3][0], p[4][0], p[5][0], p[6][0], p[7][0]};
    lanes8 x2 = x1, y1 = gain * x1, y2 = y1;
    for (long t = 0; t < block + warm_up; t++) {
        long o = step * t;
        lanes8 x0 = {p[0][o], p[1][o], p[2][o], p[3][o], p[4][o], p[5][o], p[6][o], p[7][o]};
        lanes8 partial = b0 * x0 + b1 * x1 + b2 * x2 - a2 * y2;
        lanes8 y0 = partial - a1 * y1;
        x2 = x1; x1 = x0;
        y2 = y1; y1 = y0;
        p[0][o] = y0[0];
        if (t >= warm_up) {
            for (int c = 1; c < 8; c++) p[c][o] = y0[c];
        }
    }
    // The last eighth carries on to the end.
    double u1 = x1[7], u2 = x2[7], v1 = y1[7], v2 = y2[7];
    for (long i = 8 * block + warm_up; i < n; i++) {
        double x0 = base[step * i];
        double partial = b0 * x0 + b1 * u1 + b2 * u2 - a2 * v2;
        double y0 = partial - a1 * v1;
        u2 = u1; u1 = x0;
        v2 = v1; v1 = y0;
        base[step * i] = y0;
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void biquad8_avx512(
    double *base, long step, long n, double b0, double b1, double b2, double a1, double a2,
    double gain, double input, long warm_up) {
    biquad8(base, step, n, b0, b1, b2, a1, a2, gain, input, warm_up);
}

__attribute__((target("avx2")))
static void biquad8_avx2(
    double *base, long step, long n, double b0, double b1, double b2, double a1, double a2,
    double gain, double input, long warm_up) {
    biquad8(base, step, n, b0, b1, b2, a1, a2, gain, input, warm_up);
}
#endif

void ecg_biquad_steady_interleaved(
    double *base, long step, long n, double b0, double b1, double b2, double a1, double a2,
    double gain, double input, long warm_up) {
#if defined(__x86_64__)
    switch (ecg_signal_kernels_level()) {
    case 2: biquad8_avx512(base, step, n, b0, b1, b2, a1, a2, gain, input, warm_up); return;
    case 1: biquad8_avx2(base, step, n, b0, b1, b2, a1, a2, gain, input, warm_up); return;
    }
#endif
    biquad8(base, step, n, b0, b1, b2, a1, a2, gain, input, warm_up);
}

static inline __attribute__((always_inline)) long decimate8(
    const double *p, long count, long k, const double *w, long taps, double *out, int *finite) {
    lanes8 probe = {0};
    long j = 0;
    for (; j + 8 <= count; j += 8) {
        const double *q = p + j * k;
        lanes8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
#define TAP(t) ((lanes8){q[t], q[k + t], q[2 * k + t], q[3 * k + t], q[4 * k + t], q[5 * k + t], \
                         q[6 * k + t], q[7 * k + t]})
        long t = 0;
        for (; t + 4 <= taps; t += 4) {
            a0 = a0 + w[t] * TAP(t);
            a1 = a1 + w[t + 1] * TAP(t + 1);
            a2 = a2 + w[t + 2] * TAP(t + 2);
            a3 = a3 + w[t + 3] * TAP(t + 3);
        }
        for (; t < taps; t++) a0 = a0 + w[t] * TAP(t);
#undef TAP
        lanes8 y = (a0 + a1) + (a2 + a3);
        probe = probe + 0 * y;
        for (int l = 0; l < 8; l++) out[j + l] = y[l];
    }
    for (int l = 0; l < 8; l++) if (probe[l] != probe[l]) *finite = 0;
    return j;
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static long decimate8_avx512(
    const double *p, long count, long k, const double *w, long taps, double *out, int *finite) {
    return decimate8(p, count, k, w, taps, out, finite);
}

__attribute__((target("avx2")))
static long decimate8_avx2(
    const double *p, long count, long k, const double *w, long taps, double *out, int *finite) {
    return decimate8(p, count, k, w, taps, out, finite);
}
#endif

int ecg_decimate(const double *p, long count, long k, const double *w, long taps, double *out) {
    int finite = 1;
    long j;
#if defined(__x86_64__)
    int simd = ecg_signal_kernels_level();
    if (simd == 2) j = decimate8_avx512(p, count, k, w, taps, out, &finite);
    else if (simd == 1) j = decimate8_avx2(p, count, k, w, taps, out, &finite);
    else
#endif
    j = decimate8(p, count, k, w, taps, out, &finite);
    for (; j < count; j++) {
        const double *q = p + j * k;
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        long t = 0;
        for (; t + 4 <= taps; t += 4) {
            a0 = a0 + w[t] * q[t];
            a1 = a1 + w[t + 1] * q[t + 1];
            a2 = a2 + w[t + 2] * q[t + 2];
            a3 = a3 + w[t + 3] * q[t + 3];
        }
        for (; t < taps; t++) a0 = a0 + w[t] * q[t];
        out[j] = (a0 + a1) + (a2 + a3);
        if (0 * out[j] != 0) finite = 0;
    }
    return finite;
}

static inline __attribute__((always_inline)) long blend8(
    const double *x, const double *y, double *out, long start, long end, double centre,
    double a, double b, double da, double db) {
    const lanes8 offsets = {0, 1, 2, 3, 4, 5, 6, 7};
    long i = start;
    for (; i + 8 <= end; i += 8) {
        lanes8 t = ((double)i + offsets) - centre;  // i + l is exact
        lanes8 xv, yv;
        __builtin_memcpy(&xv, x + i, sizeof xv);
        __builtin_memcpy(&yv, y + i, sizeof yv);
        lanes8 r = (a + da * t) * xv + (b + db * t) * yv;
        __builtin_memcpy(out + i, &r, sizeof r);
    }
    return i;
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static long blend8_avx512(
    const double *x, const double *y, double *out, long start, long end, double centre,
    double a, double b, double da, double db) {
    return blend8(x, y, out, start, end, centre, a, b, da, db);
}

__attribute__((target("avx2")))
static long blend8_avx2(
    const double *x, const double *y, double *out, long start, long end, double centre,
    double a, double b, double da, double db) {
    return blend8(x, y, out, start, end, centre, a, b, da, db);
}
#endif

void ecg_blend(
    const double *x, const double *y, double *out, long start, long end, double centre,
    double a, double b, double da, double db) {
    long i;
#if defined(__x86_64__)
    int simd = ecg_signal_kernels_level();
    if (simd == 2) i = blend8_avx512(x, y, out, start, end, centre, a, b, da, db);
    else if (simd == 1) i = blend8_avx2(x, y, out, start, end, centre, a, b, da, db);
    else
#endif
    i = blend8(x, y, out, start, end, centre, a, b, da, db);
    for (; i < end; i++) {
        double t = (double)i - centre;
        out[i] = (a + da * t) * x[i] + (b + db * t) * y[i];
    }
}

static double window_max_scalar(const double *v, long from, long to) {
    double best = 0;
    for (long j = from; j < to; j++) if (v[j] > best) best = v[j];
    return best;
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static double window_max_avx512(const double *v, long from, long to) {
    __m512d m = _mm512_setzero_pd();
    long j = from;
    for (; j + 8 <= to; j += 8) m = _mm512_max_pd(_mm512_loadu_pd(v + j), m);  // NaN keeps m
    double lanes[8];
    _mm512_storeu_pd(lanes, m);
    double best = window_max_scalar(lanes, 0, 8);
    double rest = window_max_scalar(v, j, to);
    return rest > best ? rest : best;
}

__attribute__((target("avx2")))
static double window_max_avx2(const double *v, long from, long to) {
    __m256d m = _mm256_setzero_pd();
    long j = from;
    for (; j + 4 <= to; j += 4) m = _mm256_max_pd(_mm256_loadu_pd(v + j), m);  // NaN keeps m
    double lanes[4];
    _mm256_storeu_pd(lanes, m);
    double best = window_max_scalar(lanes, 0, 4);
    double rest = window_max_scalar(v, j, to);
    return rest > best ? rest : best;
}
#endif

void ecg_window_maxima(const double *v, long n, long length, double *out) {
    long count = (n + length - 1) / length;
    int simd = ecg_signal_kernels_level();
    for (long k = 0; k < count; k++) {
        long from = k * length, to = from + length < n ? from + length : n;
#if defined(__x86_64__)
        if (simd == 2) { out[k] = window_max_avx512(v, from, to); continue; }
        if (simd == 1) { out[k] = window_max_avx2(v, from, to); continue; }
#endif
        (void)simd;
        out[k] = window_max_scalar(v, from, to);
    }
}

/// Whether v[j] > x (or >= x with or_equal) for some j in [from, to); NaN never counts.
static inline __attribute__((always_inline)) int any_above_scalar(
    const double *v, long from, long to, double x, int or_equal) {
    int hit = 0;
    for (long j = from; j < to; j++) hit |= v[j] > x || (or_equal && v[j] == x);
    return hit;
}

static inline __attribute__((always_inline)) long dominant_walk(
    const double *v, long n, long h, const unsigned long long *marks, long words, long *out,
    int (*any_above)(const double *, long, long, double, int)) {
    long count = 0, i = 0;
    while (i < n) {
        long w = i / 64;
        unsigned long long bits = marks[w] & (~0ULL << (i % 64));
        while (bits == 0) {
            if (++w == words) return count;
            bits = marks[w];
        }
        i = w * 64 + __builtin_ctzll(bits);
        int beaten = any_above(v, i - h > 0 ? i - h : 0, i, v[i], 1);
        int beaten_after = any_above(v, i + 1, i + h + 1 < n ? i + h + 1 : n, v[i], 0);
        long is_max = !beaten & !beaten_after;
        out[count] = i;
        count += is_max;
        i += is_max ? (h > 1 ? h : 1) : 1;
    }
    return count;
}

static int any_above_plain(const double *v, long from, long to, double x, int or_equal) {
    return any_above_scalar(v, from, to, x, or_equal);
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static int any_above_avx512(const double *v, long from, long to, double x, int or_equal) {
    __m512d bound = _mm512_set1_pd(x);
    __mmask8 hit = 0;
    for (long j = from; j < to; j += 8) {
        __mmask8 live = to - j >= 8 ? 0xFF : (__mmask8)((1u << (to - j)) - 1);
        __m512d y = _mm512_maskz_loadu_pd(live, v + j);
        hit |= or_equal ? _mm512_mask_cmp_pd_mask(live, y, bound, _CMP_GE_OQ)
                        : _mm512_mask_cmp_pd_mask(live, y, bound, _CMP_GT_OQ);
    }
    return hit != 0;
}

__attribute__((target("avx512f")))
static long dominant_walk_avx512(
    const double *v, long n, long h, const unsigned long long *marks, long words, long *out) {
    return dominant_walk(v, n, h, marks, words, out, any_above_avx512);
}

__attribute__((target("avx2")))
static int any_above_avx2(const double *v, long from, long to, double x, int or_equal) {
    __m256d bound = _mm256_set1_pd(x);
    int hit = 0;
    long j = from;
    for (; j + 4 <= to; j += 4) {
        __m256d y = _mm256_loadu_pd(v + j);
        hit |= _mm256_movemask_pd(or_equal ? _mm256_cmp_pd(y, bound, _CMP_GE_OQ) : _mm256_cmp_pd(y, bound, _CMP_GT_OQ));
    }
    return hit != 0 || any_above_scalar(v, j, to, x, or_equal);
}

__attribute__((target("avx2")))
static long dominant_walk_avx2(
    const double *v, long n, long h, const unsigned long long *marks, long words, long *out) {
    return dominant_walk(v, n, h, marks, words, out, any_above_avx2);
}
#endif

long ecg_dominant_maxima(
    const double *v, long n, long h, const unsigned long long *marks, long *out) {
    long words = (n + 63) / 64;
#if defined(__x86_64__)
    switch (ecg_signal_kernels_level()) {
    case 2: return dominant_walk_avx512(v, n, h, marks, words, out);
    case 1: return dominant_walk_avx2(v, n, h, marks, words, out);
    }
#endif
    return dominant_walk(v, n, h, marks, words, out, any_above_plain);
}

enum { DENSE_CHUNK = 2048, DENSE_MAX_H = 256 };

/// The steps of a dense chunk, scalar or over vectors.
struct dense_ops {
    /// dst[t] = src[t] for t < count; returns 0 if some value is not finite.
    int (*copy)(double *dst, const double *src, long count);
    /// b[t] = the larger of b[t] and b[t + offset] for t < count (no NaN; in place, forward).
    void (*widen)(double *b, long offset, long count);
    /// Appends each i in [c, end) with v[i] > b[i - c] and v[i] >= b[i - c + h + 1].
    long (*collect)(const double *v, const double *b, long c, long end, long h, long *out, long count);
};

static int copy_scalar(double *dst, const double *src, long count) {
    double probe = 0;
    for (long t = 0; t < count; t++) { dst[t] = src[t]; probe = probe + 0 * src[t]; }
    return probe == 0;
}

static void widen_scalar(double *b, long offset, long count) {
    for (long t = 0; t < count; t++) b[t] = b[t + offset] > b[t] ? b[t + offset] : b[t];
}

static long collect_scalar(const double *v, const double *b, long c, long end, long h, long *out, long count) {
    for (long i = c; i < end; i++)
        if (v[i] > b[i - c] && v[i] >= b[i - c + h + 1]) out[count++] = i;
    return count;
}

/// One chunk of ecg_dominant_maxima_dense: outputs [c, end); returns the new count, or -1 on
/// a non-finite sample.
static inline __attribute__((always_inline)) long dense_chunk(
    const double *v, long n, long h, long c, long end, long *out, long count, double *b,
    struct dense_ops ops) {
    // b[t] = v[c + t - h], minus infinity outside v.
    long len = (end - c) + 2 * h;
    long lo = c - h < 0 ? h - c : 0, hi = c + len - h > n ? n - c + h : len;
    for (long t = 0; t < lo; t++) b[t] = -__builtin_inf();
    if (!ops.copy(b + lo, v + c - h + lo, hi - lo)) return -1;
    for (long t = hi; t < len; t++) b[t] = -__builtin_inf();
    // Windows of h: doublings to the largest power of two p <= h, then two overlapping ones.
    long p = 1;
    for (; 2 * p <= h; p *= 2) ops.widen(b, p, len - p);
    ops.widen(b, h - p, len - (h - p));
    // Now b[t] is the largest of v[c + t - h ... c + t - 1]: before i = c + t, and b[t + h + 1]
    // the largest of v[i + 1 ... i + h].
    return ops.collect(v, b, c, end, h, out, count);
}

static inline __attribute__((always_inline)) long dominant_dense(
    const double *v, long n, long h, long *out, struct dense_ops ops) {
    if (h < 1 || h > DENSE_MAX_H) return -1;
    double b[DENSE_CHUNK + 2 * DENSE_MAX_H];
    long count = 0;
    for (long c = 0; c < n && count >= 0; c += DENSE_CHUNK)
        count = dense_chunk(v, n, h, c, c + DENSE_CHUNK < n ? c + DENSE_CHUNK : n, out, count, b, ops);
    return count;
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static int copy_avx512(double *dst, const double *src, long count) {
    __m512d probe = _mm512_setzero_pd(), zero = _mm512_setzero_pd();
    long t = 0;
    for (; t + 8 <= count; t += 8) {
        __m512d x = _mm512_loadu_pd(src + t);
        _mm512_storeu_pd(dst + t, x);
        probe = _mm512_add_pd(probe, _mm512_mul_pd(zero, x));
    }
    double lanes[8];
    _mm512_storeu_pd(lanes, probe);
    int finite = copy_scalar(dst + t, src + t, count - t);
    for (int l = 0; l < 8; l++) finite &= lanes[l] == 0;
    return finite;
}

__attribute__((target("avx512f")))
static void widen_avx512(double *b, long offset, long count) {
    long t = 0;
    for (; t + 8 <= count; t += 8)
        _mm512_storeu_pd(b + t, _mm512_max_pd(_mm512_loadu_pd(b + t + offset), _mm512_loadu_pd(b + t)));
    widen_scalar(b + t, offset, count - t);
}

__attribute__((target("avx512f")))
static long collect_avx512(const double *v, const double *b, long c, long end, long h, long *out, long count) {
    long i = c;
    for (; i + 8 <= end; i += 8) {
        __m512d x = _mm512_loadu_pd(v + i);
        __mmask8 m = _mm512_cmp_pd_mask(x, _mm512_loadu_pd(b + (i - c)), _CMP_GT_OQ)
            & _mm512_cmp_pd_mask(x, _mm512_loadu_pd(b + (i - c + h + 1)), _CMP_GE_OQ);
        while (m) { out[count++] = i + __builtin_ctz(m); m &= m - 1; }
    }
    return collect_scalar(v, b + (i - c), i, end, h, out, count);
}

__attribute__((target("avx512f")))
static long dominant_dense_avx512(const double *v, long n, long h, long *out) {
    struct dense_ops ops = {copy_avx512, widen_avx512, collect_avx512};
    return dominant_dense(v, n, h, out, ops);
}

__attribute__((target("avx2")))
static int copy_avx2(double *dst, const double *src, long count) {
    __m256d probe = _mm256_setzero_pd(), zero = _mm256_setzero_pd();
    long t = 0;
    for (; t + 4 <= count; t += 4) {
        __m256d x = _mm256_loadu_pd(src + t);
        _mm256_storeu_pd(dst + t, x);
        probe = _mm256_add_pd(probe, _mm256_mul_pd(zero, x));
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, probe);
    int finite = copy_scalar(dst + t, src + t, count - t);
    for (int l = 0; l < 4; l++) finite &= lanes[l] == 0;
    return finite;
}

__attribute__((target("avx2")))
static void widen_avx2(double *b, long offset, long count) {
    long t = 0;
    for (; t + 4 <= count; t += 4)
        _mm256_storeu_pd(b + t, _mm256_max_pd(_mm256_loadu_pd(b + t + offset), _mm256_loadu_pd(b + t)));
    widen_scalar(b + t, offset, count - t);
}

__attribute__((target("avx2")))
static long collect_avx2(const double *v, const double *b, long c, long end, long h, long *out, long count) {
    long i = c;
    for (; i + 4 <= end; i += 4) {
        __m256d x = _mm256_loadu_pd(v + i);
        int m = _mm256_movemask_pd(_mm256_and_pd(
            _mm256_cmp_pd(x, _mm256_loadu_pd(b + (i - c)), _CMP_GT_OQ),
            _mm256_cmp_pd(x, _mm256_loadu_pd(b + (i - c + h + 1)), _CMP_GE_OQ)));
        while (m) { out[count++] = i + __builtin_ctz(m); m &= m - 1; }
    }
    return collect_scalar(v, b + (i - c), i, end, h, out, count);
}

__attribute__((target("avx2")))
static long dominant_dense_avx2(const double *v, long n, long h, long *out) {
    struct dense_ops ops = {copy_avx2, widen_avx2, collect_avx2};
    return dominant_dense(v, n, h, out, ops);
}
#endif

long ecg_dominant_maxima_dense(const double *v, long n, long h, long *out) {
#if defined(__x86_64__)
    switch (ecg_signal_kernels_level()) {
    case 2: return dominant_dense_avx512(v, n, h, out);
    case 1: return dominant_dense_avx2(v, n, h, out);
    }
#endif
    struct dense_ops ops = {copy_scalar, widen_scalar, collect_scalar};
    return dominant_dense(v, n, h, out, ops);
}
