#ifndef ECGD_CSIGNALKERNELS_H
#define ECGD_CSIGNALKERNELS_H

/// Caps the instruction set the kernels use (0: SSE2 or portable C, 1: AVX2, 2: AVX-512; the
/// default comes from the environment's ECGD_SIMD, the one switch of ecgd's vector kernels:
/// portable 0, avx2 1, else 2; the CPU's own limit always applies), so that tests can check
/// every path against the others. Results are the same on every path.
void ecg_signal_kernels_limit(int max_level);

/// out[i] = sqrt(scale * (s[i]^2 + s[i+1]^2 + ... + s[i+w-1]^2)) for i < count, the squares
/// added in that order from zero (as ECGSignal's scalar edge path does), several outputs per
/// vector; reads s[0 ..< count + w - 1].
void ecg_window_rms(const double *s, long count, long w, double scale, double *out);

/// One biquad section run in place over the logical samples i = 0 ..< n at base[step * i]
/// (step 1 or -1) in direct form I from the steady state of a constant `input`, as eight
/// recurrences in step, one per eighth of the samples; eighth c > 0 starts `warm_up` samples
/// early from the steady state of its first sample and writes once that transient has
/// decayed. Needs n >= 8 * warm_up + 8. `gain` is the section's DC gain.
void ecg_biquad_steady_interleaved(
    double *base, long step, long n, double b0, double b1, double b2, double a1, double a2,
    double gain, double input, long warm_up);

/// out[j] = (a0 + a1) + (a2 + a3) for j < count, where a_r adds w[t] * p[j * k + t] from zero
/// over the taps t = r, r + 4, ... that fill whole groups of four, and the remaining taps go
/// into a0 (ECGSignal's decimation order), eight outputs per vector; reads
/// p[0 ..< (count - 1) * k + taps]. Returns 0 if some output is not finite, else 1.
int ecg_decimate(const double *p, long count, long k, const double *w, long taps, double *out);

/// Bit sets of strict local maxima: bit b of marks[w] is set when v[i], i = 64 * w + b, is
/// above v[i - 1] and not below v[i + 1] (NaN counts as both), for w in [first, end); reads
/// v[64 * first - 1 ... 64 * end].
void ecg_local_maxima_marks(const double *v, long first, long end, unsigned long long *marks);

/// out[i] = (a + da * t) * x[i] + (b + db * t) * y[i] with t = i - centre, for i in
/// [start, end), products and sums rounded as written, eight outputs per vector.
void ecg_blend(
    const double *x, const double *y, double *out, long start, long end, double centre,
    double a, double b, double da, double db);

/// out[k] = the largest of zero and v[j] for j in [k * length, min(n, (k + 1) * length)),
/// NaN ignored, for k < ceil(n / length).
void ecg_window_maxima(const double *v, long n, long length, double *out);

/// The marked indices i (bit i % 64 of marks[i / 64], as from ecg_local_maxima_marks) with
/// v[i] above every v[j], j in [i - h, i), and not below any v[j], j in (i, i + h], clipped to
/// [0, n); after one, the next h - 1 indices are skipped. Writes them to out in order and
/// returns their number; out needs room for n / (h + 1) + 2 entries (one scratch write).
long ecg_dominant_maxima(
    const double *v, long n, long h, const unsigned long long *marks, long *out);

/// The same indices as ecg_dominant_maxima for 1 <= h <= 256 and finite v, found without
/// local-maximum marks: i with v[i] above the largest of v[i - h ... i - 1] and not below the
/// largest of v[i + 1 ... i + h] (clipped to v), the window maxima by doubling over chunks
/// that stay in cache. Returns -1 (out undefined) for other h or a non-finite sample.
long ecg_dominant_maxima_dense(const double *v, long n, long h, long *out);

/// out[f] = (raw[f * stride] - baseline) / gain, or NaN where raw[f * stride] == invalid, for
/// f < n: a signal's stored samples in physical units, rounded as that expression in double.
void ecg_scale_samples(
    const int *raw, long stride, long n, double baseline, double gain, int invalid, double *out);

/// One signal of a format-212 file holding two (three bytes a frame, the MIT-BIH layout), decoded,
/// summed and scaled in one pass: out[f] for f < frames as ecg_scale_samples writes it from the
/// stored value of signal `second` (0 or 1) of frame f, and the return value the wrapping sum of
/// the stored values of the first `summed` frames (a WFDB checksum's share).
long long ecg_decode_212_pair_scaled(
    const unsigned char *bytes, long frames, int second, double baseline, double gain, int invalid, long summed,
    double *out);

/// The samples at `position` of each of `frames` frames of `width` samples in format 212
/// (two 12-bit two's-complement samples in three bytes), from `bytes` at the start of a frame
/// that begins a packing group: out[f * width + position], sign-extended.
void ecg_decode_212_position(const unsigned char *bytes, long frames, long width, long position, int *out);

/// The same for format 16 (16-bit little-endian two's complement).
void ecg_decode_16_position(const unsigned char *bytes, long frames, long width, long position, int *out);

/// The sum of raw[f * stride] for f < n, wrapping modulo 2^64 (WFDB checksums).
long long ecg_sum_strided(const int *raw, long stride, long n);

/// Asks the cache for the line holding `p` ahead of its use (a hint; no effect on results).
static inline void ecg_prefetch(const void *p) { __builtin_prefetch(p); }

#endif
