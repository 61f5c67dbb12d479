#ifndef ECGD_CSIGNALKERNELS_LEVEL_H
#define ECGD_CSIGNALKERNELS_LEVEL_H

/// The instruction set the kernels use now: 0 SSE2 (every x86-64) or portable C, 1 AVX2,
/// 2 AVX-512; the CPU's own level, capped by ECGD_SIMD and ecg_signal_kernels_limit.
int ecg_signal_kernels_level(void);

#endif
