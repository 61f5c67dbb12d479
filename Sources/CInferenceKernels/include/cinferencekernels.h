#ifndef ECGD_CINFERENCEKERNELS_H
#define ECGD_CINFERENCEKERNELS_H
#include <stddef.h>

/// Activation kinds understood by the fused GEMM epilogue and ecg_activate.
enum {
    ECG_ACT_NONE = 0, ECG_ACT_RELU = 1, ECG_ACT_LEAKY = 2, ECG_ACT_ELU = 3,
    ECG_ACT_SIGMOID = 4, ECG_ACT_TANH = 5, ECG_ACT_GELU = 6, ECG_ACT_GELU_TANH = 7
};

/// GEMM kernels; weights packed for one kernel must be multiplied with the same kernel.
enum { ECG_KERNEL_PORTABLE = 0, ECG_KERNEL_AVX2 = 1, ECG_KERNEL_AVX512 = 2 };

/// The fastest kernel this CPU runs.
int ecg_gemm_best_kernel(void);
/// Whether this CPU can run `kernel`.
int ecg_gemm_kernel_supported(int kernel);
/// "portable", "avx2" or "avx512".
const char *ecg_gemm_kernel_name(int kernel);
/// Floats needed to pack a K x N matrix for `kernel`.
size_t ecg_gemm_packed_size(int kernel, int k, int n);
/// Packs row-major B (K x N, leading dimension ldb) into the kernel's column panels, zero padded.
void ecg_gemm_pack_b(int kernel, const float *b, int k, int n, int ldb, float *packed);

/// Describes the A operand of an implicit-im2col GEMM: row r of A starts at
/// a + (r / rows_per_group) * group_stride + (r % rows_per_group) * row_stride and is made of
/// `taps` segments of `seg` contiguous floats, segment t starting at t * tap_stride.
/// When `computed_rows` is not NULL, group g computes only its first computed_rows[g] rows
/// (at least 1) and copies the last of them into the next `copied_rows` rows: the caller knows
/// those rows of A equal it (a convolution over a constant tail, such as zero padding after a
/// beat). Rows past those are left unwritten, for outputs no reader looks that far into.
typedef struct {
    const float *a;
    int rows_per_group;
    long group_stride;
    long row_stride;
    int taps;
    long tap_stride;
    int seg;
    const int *computed_rows;
    int copied_rows;
} ecg_a_desc;

/// C[r, j] = post(act(sum_k A[r, k] * B[k, j] + bias[j])) for r < m, j < n, where
/// post(y) = y * post_scale[j] + post_shift[j] when post_scale is not NULL.
/// Only RELU and LEAKY (slope alpha) are fused; other activations must be applied after.
/// Row r of C starts at c + r * ldc.
void ecg_gemm(int kernel, int m, const ecg_a_desc *a, const float *packed_b, int n,
              const float *bias, int act, float alpha,
              const float *post_scale, const float *post_shift,
              float *c, long ldc);

/// y = act(x) in place over `count` floats.
void ecg_activate(float *x, size_t count, int act, float alpha);
/// Per-channel affine on a channels-last buffer: x[i, c] = x[i, c] * scale[c] + shift[c].
void ecg_affine_channels(float *x, size_t rows, int channels, const float *scale, const float *shift);
/// 1D pooling on channels-last samples [w, c] -> [wout, c]; max when is_max, else average
/// (average divides by the window part inside the input unless count_pad). When computed_rows
/// is not NULL, sample s computes its first computed_rows[s] output rows (at least 1) and copies
/// the last of them into the next copied_rows rows, as ecg_gemm does over a constant tail.
void ecg_pool1d(const float *x, float *y, int samples, int w, int c, int wout,
                int kernel, int stride, int pad_left, int dilation, int is_max, int count_pad,
                const int *computed_rows, int copied_rows);
/// Global pooling over w on channels-last samples [w, c] -> [c].
void ecg_global_pool(const float *x, float *y, int samples, int w, int c, int is_max);
/// Softmax over `len` elements spaced `inner` apart, for outer x inner independent rows.
void ecg_softmax(float *x, int outer, int len, int inner);

#endif
