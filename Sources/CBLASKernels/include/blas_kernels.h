#ifndef SIFT_BLAS_KERNELS_H
#define SIFT_BLAS_KERNELS_H

// The OpenBLAS kernel family this process started with, when Sift replaced it because it used fewer
// vector instructions than the CPU has (Debian's OpenBLAS 0.3.21 picks SSE3 "Prescott" kernels on
// some AVX-512 Xeons); NULL when OpenBLAS's own choice was kept.
const char *sift_blas_replaced_core(void);

// The family Sift would pick for this CPU's features: "Cooperlake" (AVX-512 with BF16), "SkylakeX"
// (AVX-512), "Haswell" (AVX2 + FMA), or NULL (nothing better than OpenBLAS's own choice to offer).
const char *sift_blas_core_for_cpu(void);

#endif
