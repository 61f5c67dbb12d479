#ifndef ECGD_CSIGNALKERNELS_H
#define ECGD_CSIGNALKERNELS_H

/// x[i] = sqrt(x[i]) for i < n, correctly rounded like Swift's squareRoot(), with the widest
/// vector square root this CPU has (Swift's own goes one lane at a time through libm).
void ecg_sqrt_inplace(double *x, long n);

#endif
