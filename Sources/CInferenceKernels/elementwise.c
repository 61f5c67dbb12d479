// Memory-bound operators on channels-last buffers: activations, per-channel affine, pooling,
// softmax. Compiled for AVX2 and for the baseline; the loader picks the clone the CPU runs.
#include "cinferencekernels.h"
#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__)
#define ECG_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ECG_CLONES
#endif

ECG_CLONES
void ecg_activate(float *x, size_t count, int act, float alpha) {
    switch (act) {
    case ECG_ACT_RELU:
        for (size_t i = 0; i < count; i++) x[i] = x[i] > 0.f ? x[i] : 0.f;
        break;
    case ECG_ACT_LEAKY:
        for (size_t i = 0; i < count; i++) x[i] = x[i] > 0.f ? x[i] : x[i] * alpha;
        break;
    case ECG_ACT_ELU:
        for (size_t i = 0; i < count; i++) x[i] = x[i] > 0.f ? x[i] : alpha * expm1f(x[i]);
        break;
    case ECG_ACT_SIGMOID:
        for (size_t i = 0; i < count; i++) x[i] = 1.f / (1.f + expf(-x[i]));
        break;
    case ECG_ACT_TANH:
        for (size_t i = 0; i < count; i++) x[i] = tanhf(x[i]);
        break;
    case ECG_ACT_GELU:
        for (size_t i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1.f + erff(x[i] * 0.70710678118654752f));
        break;
    case ECG_ACT_GELU_TANH:
        for (size_t i = 0; i < count; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1.f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
        }
        break;
    default:
        break;
    }
}

ECG_CLONES
void ecg_affine_channels(float *x, size_t rows, int channels, const float *scale, const float *shift) {
    for (size_t r = 0; r < rows; r++, x += channels)
        for (int c = 0; c < channels; c++) x[c] = x[c] * scale[c] + shift[c];
}

ECG_CLONES
void ecg_pool1d(const float *x, float *y, int samples, int w, int c, int wout,
                int kernel, int stride, int pad_left, int dilation, int is_max, int count_pad,
                const int *computed_rows, int copied_rows) {
    // Adjacent max windows (Keras MaxPooling1D) take a loop the compiler vectorises over channels.
    int adjacent = is_max && kernel == stride && dilation == 1 && pad_left == 0 && wout * kernel <= w;
    for (int s = 0; s < samples; s++) {
        const float *xs = x + (size_t)s * w * c;
        float *ys = y + (size_t)s * wout * c;
        int rows = wout, filled = wout;
        if (computed_rows && computed_rows[s] < rows) {
            rows = computed_rows[s] < 1 ? 1 : computed_rows[s];
            if (copied_rows < filled - rows) filled = rows + (copied_rows > 0 ? copied_rows : 0);
        }
        if (adjacent) {
            for (int t = 0; t < rows; t++) {
                const float *restrict in = xs + (size_t)t * kernel * c;
                float *restrict out = ys + (size_t)t * c;
                for (int ch = 0; ch < c; ch++) out[ch] = -FLT_MAX;
                for (int j = 0; j < kernel; j++)
                    for (int ch = 0; ch < c; ch++) out[ch] = in[j * c + ch] > out[ch] ? in[j * c + ch] : out[ch];
            }
        } else {
            for (int t = 0; t < rows; t++) {
                float *out = ys + (size_t)t * c;
                int start = t * stride - pad_left;
                int used = 0;
                for (int ch = 0; ch < c; ch++) out[ch] = is_max ? -FLT_MAX : 0.f;
                for (int j = 0; j < kernel; j++) {
                    int pos = start + j * dilation;
                    if (pos < 0 || pos >= w) continue;
                    const float *in = xs + (size_t)pos * c;
                    used++;
                    if (is_max)
                        for (int ch = 0; ch < c; ch++) out[ch] = in[ch] > out[ch] ? in[ch] : out[ch];
                    else
                        for (int ch = 0; ch < c; ch++) out[ch] += in[ch];
                }
                if (!is_max) {
                    float inv = 1.f / (float)(count_pad ? kernel : (used ? used : 1));
                    for (int ch = 0; ch < c; ch++) out[ch] *= inv;
                }
            }
        }
        // Rows past the computed ones repeat the last computed row (their windows read the same values).
        for (int t = rows; t < filled; t++) memcpy(ys + (size_t)t * c, ys + (size_t)(rows - 1) * c, (size_t)c * sizeof(float));
    }
}

ECG_CLONES
void ecg_global_pool(const float *x, float *y, int samples, int w, int c, int is_max) {
    for (int s = 0; s < samples; s++) {
        const float *xs = x + (size_t)s * w * c;
        float *out = y + (size_t)s * c;
        for (int ch = 0; ch < c; ch++) out[ch] = is_max ? -FLT_MAX : 0.f;
        for (int t = 0; t < w; t++) {
            const float *in = xs + (size_t)t * c;
            if (is_max)
                for (int ch = 0; ch < c; ch++) out[ch] = in[ch] > out[ch] ? in[ch] : out[ch];
            else
                for (int ch = 0; ch < c; ch++) out[ch] += in[ch];
        }
        if (!is_max && w > 0)
            for (int ch = 0; ch < c; ch++) out[ch] /= (float)w;
    }
}

void ecg_softmax(float *x, int outer, int len, int inner) {
    for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++) {
            float *p = x + (size_t)o * len * inner + i;
            float mx = -FLT_MAX, sum = 0.f;
            for (int k = 0; k < len; k++) mx = p[(size_t)k * inner] > mx ? p[(size_t)k * inner] : mx;
            for (int k = 0; k < len; k++) { float e = expf(p[(size_t)k * inner] - mx); p[(size_t)k * inner] = e; sum += e; }
            for (int k = 0; k < len; k++) p[(size_t)k * inner] /= sum;
        }
}
