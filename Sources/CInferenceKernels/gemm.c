// Register-blocked SGEMM with implicit im2col for 1D convolutions and dense layers.
// B (the weights) is packed once into NR-column panels; A (the activations) is read in place
// through row pointers, so a channels-last convolution needs no im2col buffer. The kernel is
// chosen at run time: AVX-512, AVX2+FMA, or portable C for any other CPU.
#include "cinferencekernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ECG_X86 1
#endif

typedef void (*tile_fn)(int mr, const float *const *arow, int taps, long tap_stride, int seg,
                        const float *bp, int nvalid, const float *bias, int act, float alpha,
                        const float *ps, const float *psh, float *c, long ldc);

static inline float epilogue_scalar(float v, int act, float alpha) {
    if (act == ECG_ACT_RELU) return v > 0.f ? v : 0.f;
    if (act == ECG_ACT_LEAKY) return v > 0.f ? v : v * alpha;
    return v;
}

// ---------------------------------------------------------------- portable (MR 4, NR 8)
// Generic 4-wide vectors: SSE2 on x86-64, NEON on arm64, scalar code elsewhere.
typedef float v4f __attribute__((vector_size(16)));
#define P_MR 4
#define P_NR 8
static inline v4f v4_load(const float *p) { v4f v; memcpy(&v, p, sizeof v); return v; }

static void tile_portable(int mr, const float *const *arow, int taps, long tap_stride, int seg,
                          const float *bp, int nvalid, const float *bias, int act, float alpha,
                          const float *ps, const float *psh, float *c, long ldc) {
    v4f c00 = {0, 0, 0, 0}, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int t = 0; t < taps; t++) {
        const float *a0 = arow[0] + t * tap_stride, *a1 = arow[1] + t * tap_stride,
                    *a2 = arow[2] + t * tap_stride, *a3 = arow[3] + t * tap_stride;
        for (int k = 0; k < seg; k++) {
            v4f b0 = v4_load(bp), b1 = v4_load(bp + 4);
            bp += P_NR;
            c00 += a0[k] * b0; c01 += a0[k] * b1;
            c10 += a1[k] * b0; c11 += a1[k] * b1;
            c20 += a2[k] * b0; c21 += a2[k] * b1;
            c30 += a3[k] * b0; c31 += a3[k] * b1;
        }
    }
    float acc[P_MR][P_NR];
    memcpy(acc[0], &c00, 16); memcpy(acc[0] + 4, &c01, 16);
    memcpy(acc[1], &c10, 16); memcpy(acc[1] + 4, &c11, 16);
    memcpy(acc[2], &c20, 16); memcpy(acc[2] + 4, &c21, 16);
    memcpy(acc[3], &c30, 16); memcpy(acc[3] + 4, &c31, 16);
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nvalid; j++) {
            float v = epilogue_scalar(acc[i][j] + (bias ? bias[j] : 0.f), act, alpha);
            if (ps) v = v * ps[j] + psh[j];
            c[i * ldc + j] = v;
        }
}

#ifdef ECG_X86
// ---------------------------------------------------------------- AVX2 + FMA (MR 6, NR 16)
#define A2_MR 6
#define A2_NR 16
__attribute__((target("avx2,fma")))
static inline __m256 epi_avx2(__m256 v, __m256 b, int act, __m256 alpha, __m256 s, __m256 h, int post) {
    v = _mm256_add_ps(v, b);
    if (act == ECG_ACT_RELU) v = _mm256_max_ps(v, _mm256_setzero_ps());
    else if (act == ECG_ACT_LEAKY) {
        __m256 neg = _mm256_mul_ps(v, alpha);
        v = _mm256_blendv_ps(v, neg, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
    }
    if (post) v = _mm256_fmadd_ps(v, s, h);
    return v;
}

__attribute__((target("avx2,fma")))
static void tile_avx2(int mr, const float *const *arow, int taps, long tap_stride, int seg,
                      const float *bp, int nvalid, const float *bias, int act, float alpha,
                      const float *ps, const float *psh, float *c, long ldc) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int t = 0; t < taps; t++) {
        const float *a0 = arow[0] + t * tap_stride, *a1 = arow[1] + t * tap_stride,
                    *a2 = arow[2] + t * tap_stride, *a3 = arow[3] + t * tap_stride,
                    *a4 = arow[4] + t * tap_stride, *a5 = arow[5] + t * tap_stride;
        for (int k = 0; k < seg; k++) {
            __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
            bp += A2_NR;
            __m256 x;
            x = _mm256_broadcast_ss(a0 + k); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
            x = _mm256_broadcast_ss(a1 + k); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
            x = _mm256_broadcast_ss(a2 + k); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
            x = _mm256_broadcast_ss(a3 + k); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
            x = _mm256_broadcast_ss(a4 + k); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
            x = _mm256_broadcast_ss(a5 + k); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
        }
    }
    __m256 acc[A2_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    float tmpb[A2_NR] = {0}, tmps[A2_NR] = {0}, tmph[A2_NR] = {0};
    if (bias) memcpy(tmpb, bias, sizeof(float) * nvalid);
    if (ps) { memcpy(tmps, ps, sizeof(float) * nvalid); memcpy(tmph, psh, sizeof(float) * nvalid); }
    __m256 al = _mm256_set1_ps(alpha);
    __m256 b[2] = {_mm256_loadu_ps(tmpb), _mm256_loadu_ps(tmpb + 8)};
    __m256 s[2] = {_mm256_loadu_ps(tmps), _mm256_loadu_ps(tmps + 8)};
    __m256 h[2] = {_mm256_loadu_ps(tmph), _mm256_loadu_ps(tmph + 8)};
    int post = ps != NULL;
    for (int i = 0; i < mr; i++) {
        __m256 v0 = epi_avx2(acc[i][0], b[0], act, al, s[0], h[0], post);
        __m256 v1 = epi_avx2(acc[i][1], b[1], act, al, s[1], h[1], post);
        float *ci = c + i * ldc;
        if (nvalid == A2_NR) { _mm256_storeu_ps(ci, v0); _mm256_storeu_ps(ci + 8, v1); }
        else {
            float tmp[A2_NR];
            _mm256_storeu_ps(tmp, v0); _mm256_storeu_ps(tmp + 8, v1);
            memcpy(ci, tmp, sizeof(float) * nvalid);
        }
    }
}

// ---------------------------------------------------------------- AVX-512 (MR 6, NR 32)
#define A5_MR 6
#define A5_NR 32
__attribute__((target("avx512f")))
static inline __m512 epi_avx512(__m512 v, __m512 b, int act, __m512 alpha, __m512 s, __m512 h, int post) {
    v = _mm512_add_ps(v, b);
    if (act == ECG_ACT_RELU) v = _mm512_max_ps(v, _mm512_setzero_ps());
    else if (act == ECG_ACT_LEAKY) {
        __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
        v = _mm512_mask_mul_ps(v, neg, v, alpha);
    }
    if (post) v = _mm512_fmadd_ps(v, s, h);
    return v;
}

__attribute__((target("avx512f")))
static void tile_avx512(int mr, const float *const *arow, int taps, long tap_stride, int seg,
                        const float *bp, int nvalid, const float *bias, int act, float alpha,
                        const float *ps, const float *psh, float *c, long ldc) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int t = 0; t < taps; t++) {
        const float *a0 = arow[0] + t * tap_stride, *a1 = arow[1] + t * tap_stride,
                    *a2 = arow[2] + t * tap_stride, *a3 = arow[3] + t * tap_stride,
                    *a4 = arow[4] + t * tap_stride, *a5 = arow[5] + t * tap_stride;
        for (int k = 0; k < seg; k++) {
            __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
            bp += A5_NR;
            __m512 x;
            x = _mm512_set1_ps(a0[k]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
            x = _mm512_set1_ps(a1[k]); c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
            x = _mm512_set1_ps(a2[k]); c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
            x = _mm512_set1_ps(a3[k]); c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
            x = _mm512_set1_ps(a4[k]); c40 = _mm512_fmadd_ps(x, b0, c40); c41 = _mm512_fmadd_ps(x, b1, c41);
            x = _mm512_set1_ps(a5[k]); c50 = _mm512_fmadd_ps(x, b0, c50); c51 = _mm512_fmadd_ps(x, b1, c51);
        }
    }
    __m512 acc[A5_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    __mmask16 m0 = nvalid >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nvalid) - 1);
    int n1 = nvalid - 16;
    __mmask16 m1 = n1 >= 16 ? (__mmask16)0xFFFF : (n1 <= 0 ? 0 : (__mmask16)((1u << n1) - 1));
    __m512 z = _mm512_setzero_ps();
    __m512 b[2] = {z, z}, s[2] = {z, z}, h[2] = {z, z};
    if (bias) { b[0] = _mm512_maskz_loadu_ps(m0, bias); b[1] = _mm512_maskz_loadu_ps(m1, bias + 16); }
    int post = ps != NULL;
    if (post) {
        s[0] = _mm512_maskz_loadu_ps(m0, ps); s[1] = _mm512_maskz_loadu_ps(m1, ps + 16);
        h[0] = _mm512_maskz_loadu_ps(m0, psh); h[1] = _mm512_maskz_loadu_ps(m1, psh + 16);
    }
    __m512 al = _mm512_set1_ps(alpha);
    for (int i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        _mm512_mask_storeu_ps(ci, m0, epi_avx512(acc[i][0], b[0], act, al, s[0], h[0], post));
        _mm512_mask_storeu_ps(ci + 16, m1, epi_avx512(acc[i][1], b[1], act, al, s[1], h[1], post));
    }
}
#endif

// ---------------------------------------------------------------- dispatch
typedef struct { tile_fn tile; int mr, nr; const char *name; } kernel_info;

static const kernel_info kernels[] = {
    {tile_portable, P_MR, P_NR, "portable"},
#ifdef ECG_X86
    {tile_avx2, A2_MR, A2_NR, "avx2"},
    {tile_avx512, A5_MR, A5_NR, "avx512"},
#endif
};
static const int kernel_count = (int)(sizeof kernels / sizeof kernels[0]);

int ecg_gemm_kernel_supported(int kernel) {
    if (kernel == ECG_KERNEL_PORTABLE) return 1;
    if (kernel < 0 || kernel >= kernel_count) return 0;
#ifdef ECG_X86
    __builtin_cpu_init();
    if (kernel == ECG_KERNEL_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (kernel == ECG_KERNEL_AVX512) return __builtin_cpu_supports("avx512f");
#endif
    return 0;
}

int ecg_gemm_best_kernel(void) {
    for (int k = kernel_count - 1; k > 0; k--)
        if (ecg_gemm_kernel_supported(k)) return k;
    return ECG_KERNEL_PORTABLE;
}

// Callers pass kernels checked with ecg_gemm_kernel_supported; unknown ids fall back to portable.
static const kernel_info *info(int kernel) {
    return kernel >= 0 && kernel < kernel_count ? &kernels[kernel] : &kernels[ECG_KERNEL_PORTABLE];
}

const char *ecg_gemm_kernel_name(int kernel) { return info(kernel)->name; }

size_t ecg_gemm_packed_size(int kernel, int k, int n) {
    int nr = info(kernel)->nr;
    return (size_t)((n + nr - 1) / nr) * (size_t)nr * (size_t)k;
}

void ecg_gemm_pack_b(int kernel, const float *b, int k, int n, int ldb, float *packed) {
    int nr = info(kernel)->nr;
    for (int p = 0; p * nr < n; p++)
        for (int kk = 0; kk < k; kk++)
            for (int j = 0; j < nr; j++) {
                int col = p * nr + j;
                *packed++ = col < n ? b[(size_t)kk * ldb + col] : 0.f;
            }
}

void ecg_gemm(int kernel, int m, const ecg_a_desc *a, const float *packed_b, int n,
              const float *bias, int act, float alpha,
              const float *post_scale, const float *post_shift,
              float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    kernel_info kin = *info(kernel);
    int taps = a->taps, seg = a->seg;
    long tap_stride = a->tap_stride;
    if (taps > 1 && tap_stride == seg) { seg *= taps; taps = 1; }
    long kdim = (long)a->taps * a->seg;
    int rpg = a->rows_per_group;
    long gstride = a->group_stride;
    const int *computed = a->computed_rows;
    if (!computed && gstride == (long)rpg * a->row_stride) rpg = m;  // rows evenly spaced across groups
    const float *arow[8];
    for (int g0 = 0; g0 < m; g0 += rpg) {
        const float *base = a->a + (long)(g0 / rpg) * gstride;
        int rows = m - g0 < rpg ? m - g0 : rpg;
        int filled = rows;
        if (computed) {
            int want = computed[g0 / rpg];
            if (want < 1) want = 1;
            if (want < rows) rows = want;
            if (a->copied_rows < filled - rows) filled = rows + (a->copied_rows > 0 ? a->copied_rows : 0);
        }
        for (int r0 = 0; r0 < rows; r0 += kin.mr) {
            int mr = rows - r0 < kin.mr ? rows - r0 : kin.mr;
            for (int i = 0; i < kin.mr; i++) arow[i] = base + (long)(r0 + (i < mr ? i : mr - 1)) * a->row_stride;
            float *crow = c + (long)(g0 + r0) * ldc;
            for (int p = 0; p * kin.nr < n; p++) {
                int col = p * kin.nr;
                int nvalid = n - col < kin.nr ? n - col : kin.nr;
                kin.tile(mr, arow, taps, tap_stride, seg, packed_b + (size_t)p * kin.nr * kdim, nvalid,
                         bias ? bias + col : NULL, act, alpha,
                         post_scale ? post_scale + col : NULL, post_scale ? post_shift + col : NULL,
                         crow + col, ldc);
            }
        }
        // Rows past the computed ones repeat the last computed row (same A, same sums).
        const float *last = c + (long)(g0 + rows - 1) * ldc;
        for (int r = rows; r < filled; r++) memcpy(c + (long)(g0 + r) * ldc, last, (size_t)n * sizeof(float));
    }
}
