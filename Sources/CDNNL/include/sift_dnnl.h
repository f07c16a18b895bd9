// Sift's dense layers on oneDNN: one nn.Linear with its weights pre-packed once, in fp32, bf16 or int8,
// run on the calling thread. A small C surface so Swift never handles oneDNN descriptors.
#ifndef SIFT_DNNL_H
#define SIFT_DNNL_H
#include <stddef.h>

typedef enum { SIFT_FP32 = 0, SIFT_BF16 = 1, SIFT_INT8 = 2 } sift_precision;

// What follows the product in the same pass: nothing, or exact (erf) GELU, PyTorch's nn.GELU().
typedef enum { SIFT_NO_ACTIVATION = 0, SIFT_GELU_ERF = 1 } sift_activation;

typedef struct sift_linear sift_linear;

// Packs weight [out, in] (PyTorch layout) and copies bias [out] (may be NULL) for `precision`.
// int8: weights symmetric per output channel (scale = max|w| / 127). Returns NULL and writes a
// reason into err when oneDNN has no kernel for this shape and precision.
sift_linear *sift_linear_create(sift_precision precision, long in, long out, const float *weight,
                                const float *bias, sift_activation activation, char *err, size_t err_len);
void sift_linear_destroy(sift_linear *linear);

// out [rows, out] = act(inp [rows, in] · weightᵀ + bias) on the calling thread (single-threaded oneDNN;
// any number of threads may call at once). bf16: inputs rounded to bf16, fp32 accumulation and
// output. int8: each input row quantized symmetrically (scale = max|x| / 127, no zero point),
// int32 accumulation, weight scales applied by oneDNN, row scale and bias in one pass after.
// Returns 0, or -1 with a reason in err.
int sift_linear_forward(const sift_linear *linear, long rows, const float *inp, float *out, char *err,
                        size_t err_len);

// The oneDNN implementation that runs ("brg:avx512_core_amx", "gemm:jit", ...).
const char *sift_linear_kernel(const sift_linear *linear);
// Bytes of the packed weights (plus scales).
size_t sift_linear_packed_bytes(const sift_linear *linear);

// "3.2.0"; and the instruction set oneDNN dispatches to ("avx512_core_amx", "avx2", ...),
// after ONEDNN_MAX_CPU_ISA.
const char *sift_dnnl_version(void);
const char *sift_dnnl_isa(void);

// Reference conversions, shared with the tests: bf16 round-to-nearest-even, and the int8 row
// quantizer (returns the row's scale).
unsigned short sift_f32_to_bf16(float x);
float sift_quantize_row(const float *x, long n, signed char *q);

#endif
