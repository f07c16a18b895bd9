// See include/sift_dnnl.h. One oneDNN matmul primitive per linear layer, created once with a runtime
// row count (M), so batches of any length share it and the weights stay in the layout it chose.
#include "sift_dnnl.h"

#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void omp_set_num_threads(int);

struct sift_linear {
    sift_precision precision;
    sift_activation activation;
    long in, out;
    dnnl_primitive_t matmul;
    dnnl_memory_desc_t weights_md;
    void *weights; // packed, owned
    dnnl_memory_t weights_mem;
    float *bias;   // [out] or NULL
    float *scales; // int8: [out] weight scales
    dnnl_memory_t scales_mem, bias_mem;
    size_t packed_bytes;
    // Each calling thread brings its own scratchpad (user mode): with oneDNN's own, two threads
    // running one primitive at once overwrite each other's int8 intermediates.
    dnnl_memory_desc_t scratch_md;
    size_t scratch_bytes;
    char kernel[64];
};

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static dnnl_status_t engine_status;
static void make_engine(void) { engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0); }

// One stream per thread: lanes call at the same time.
static __thread dnnl_stream_t thread_stream;
// Per-thread buffers, grown on demand: converted inputs (bf16 or int8 rows plus their scales),
// and the scratchpad oneDNN works in.
typedef struct { void *p; size_t bytes; } buffer;
static __thread buffer stage, scratch;

static void *grow(buffer *b, size_t bytes) {
    if (bytes > b->bytes || !b->p) {
        free(b->p);
        b->bytes = (bytes + 4095) & ~(size_t)4095;
        b->p = aligned_alloc(64, b->bytes ? b->bytes : 4096);
        if (!b->p) b->bytes = 0;
    }
    return b->p;
}

#define FAIL(...) do { if (err && err_len) snprintf(err, err_len, __VA_ARGS__); goto fail; } while (0)
#define CHECK(call) do { dnnl_status_t s_ = (call); if (s_ != dnnl_success) FAIL("oneDNN %s failed (status %d)", #call, (int)s_); } while (0)

static dnnl_data_type_t input_type(sift_precision p) {
    return p == SIFT_FP32 ? dnnl_f32 : p == SIFT_BF16 ? dnnl_bf16 : dnnl_s8;
}

unsigned short sift_f32_to_bf16(float x) {
    uint32_t u; memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40); // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (unsigned short)(u >> 16);
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static void to_bf16(const float *x, unsigned short *y, long n) {
    for (long i = 0; i < n; i++) {
        uint32_t u; memcpy(&u, &x[i], 4);
        uint32_t r = u + 0x7fffu + ((u >> 16) & 1u);
        y[i] = (u & 0x7fffffffu) > 0x7f800000u ? (unsigned short)((u >> 16) | 0x40) : (unsigned short)(r >> 16);
    }
}

// Written so the compiler vectorizes both loops (no libm calls): max over integers, and rounding
// to nearest even by adding and removing 1.5·2^23, exact for |v| ≤ 127.
__attribute__((target_clones("avx512f", "avx2", "default")))
float sift_quantize_row(const float *x, long n, signed char *q) {
    // max |x| on the bit patterns: with the sign cleared, integer order is magnitude order (a NaN
    // comes out largest and zeroes the row below).
    uint32_t bits = 0;
    for (long i = 0; i < n; i++) { uint32_t u; memcpy(&u, &x[i], 4); u &= 0x7fffffffu; bits = u > bits ? u : bits; }
    float amax; memcpy(&amax, &bits, 4);
    if (!(amax > 0) || !isfinite(amax)) { for (long i = 0; i < n; i++) q[i] = 0; return amax > 0 ? amax : 0; }
    const float inv = 127.0f / amax, magic = 12582912.0f;
    // No fused multiply-add here: x·inv is rounded to float first, so a tie rounds the same way in
    // every build (and in the tests' model of this scheme).
    {
#pragma clang fp contract(off)
        for (long i = 0; i < n; i++) {
            float v = (x[i] * inv + magic) - magic;
            q[i] = (signed char)(int)v;
        }
    }
    return amax / 127.0f;
}

// erf as a rational function of x (|x| clamped to 4, where erf is 1 in float), the same
// approximation as the Swift kernels' `Ops.fastErf`; branch-free so it vectorizes.
static inline float gelu_erf(float x) {
    float z = x * 0.70710678118654752f;
    z = z < -4.0f ? -4.0f : z > 4.0f ? 4.0f : z;
    float z2 = z * z;
    float p = -2.72614225801306e-10f;
    p = p * z2 + 2.77068142495902e-08f;
    p = p * z2 + -2.10102402082508e-06f;
    p = p * z2 + -5.69250639462346e-05f;
    p = p * z2 + -7.34990630326855e-04f;
    p = p * z2 + -2.95459980854025e-03f;
    p = p * z2 + -1.60960333262415e-02f;
    p = p * z;
    float q = -1.45660718464996e-05f;
    q = q * z2 + -2.13374055278905e-04f;
    q = q * z2 + -1.68282697438203e-03f;
    q = q * z2 + -7.37332916720468e-03f;
    q = q * z2 + -1.42647390514189e-02f;
    return 0.5f * x * (1.0f + p / q);
}

// int8's epilogue: out = act(out · row scale + bias), one pass.
__attribute__((target_clones("avx512f", "avx2", "default")))
static void scale_rows(float *out, long rows, long cols, const float *row_scale, const float *bias, int gelu) {
    for (long r = 0; r < rows; r++) {
        float s = row_scale[r], *o = out + r * cols;
        if (gelu) for (long c = 0; c < cols; c++) o[c] = gelu_erf(o[c] * s + bias[c]);
        else for (long c = 0; c < cols; c++) o[c] = o[c] * s + bias[c];
    }
}

static int make_md(dnnl_memory_desc_t *md, long d0, long d1, dnnl_data_type_t t, dnnl_format_tag_t tag) {
    dnnl_dims_t dims = {d0, d1};
    return dnnl_memory_desc_create_with_tag(md, 2, dims, t, tag) == dnnl_success ? 0 : -1;
}

sift_linear *sift_linear_create(sift_precision precision, long in, long out, const float *weight,
                                const float *bias, sift_activation activation, char *err, size_t err_len) {
    sift_linear *L = calloc(1, sizeof *L);
    dnnl_memory_desc_t src_md = NULL, any_md = NULL, dst_md = NULL, bias_md = NULL, plain_md = NULL, scale_md = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t post = NULL;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t plain_mem = NULL;
    signed char *qweights = NULL;
    if (!L) FAIL("out of memory");
    pthread_once(&engine_once, make_engine);
    CHECK(engine_status);
    L->precision = precision; L->activation = activation; L->in = in; L->out = out;
    dnnl_data_type_t t = input_type(precision);
    // matmul: src [M, in] · weights [in, out] = dst [M, out]; M is known only per call.
    if (make_md(&src_md, DNNL_RUNTIME_DIM_VAL, in, t, dnnl_ab) || make_md(&any_md, in, out, t, dnnl_format_tag_any)
        || make_md(&dst_md, DNNL_RUNTIME_DIM_VAL, out, dnnl_f32, dnnl_ab) || make_md(&bias_md, 1, out, dnnl_f32, dnnl_ab))
        FAIL("oneDNN rejected a %ldx%ld memory descriptor", in, out);
    CHECK(dnnl_primitive_attr_create(&attr));
    CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    if (precision == SIFT_INT8) CHECK(dnnl_primitive_attr_set_scales_mask(attr, DNNL_ARG_WEIGHTS, 1 << 1));
    // fp32/bf16: GELU in oneDNN's epilogue, after its bias; int8 applies it after the row scale.
    if (activation == SIFT_GELU_ERF && precision != SIFT_INT8) {
        CHECK(dnnl_post_ops_create(&post));
        CHECK(dnnl_post_ops_append_eltwise(post, dnnl_eltwise_gelu_erf, 0.0f, 0.0f));
        CHECK(dnnl_primitive_attr_set_post_ops(attr, post));
    }
    // int8 adds the bias after the row scale, itself; fp32/bf16 let oneDNN add it.
    int onednn_bias = bias && precision != SIFT_INT8;
    if (dnnl_matmul_primitive_desc_create(&pd, engine, src_md, any_md, onednn_bias ? bias_md : NULL, dst_md, attr) != dnnl_success)
        FAIL("oneDNN has no %s matmul for %ld inputs x %ld outputs on this CPU (ISA %s)",
             precision == SIFT_FP32 ? "fp32" : precision == SIFT_BF16 ? "bf16" : "int8", in, out, sift_dnnl_isa());
    const char *impl = NULL;
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    snprintf(L->kernel, sizeof L->kernel, "%s", impl ? impl : "?");
    CHECK(dnnl_primitive_create(&L->matmul, pd));
    CHECK(dnnl_memory_desc_clone(&L->weights_md, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)));
    CHECK(dnnl_memory_desc_clone(&L->scratch_md, dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)));
    L->scratch_bytes = dnnl_memory_desc_get_size(L->scratch_md);
    size_t wbytes = dnnl_memory_desc_get_size(L->weights_md);
    L->weights = aligned_alloc(64, (wbytes + 63) & ~(size_t)63);
    if (!L->weights) FAIL("out of memory packing %zu bytes", wbytes);
    CHECK(dnnl_memory_create(&L->weights_mem, L->weights_md, engine, L->weights));
    L->packed_bytes = wbytes;

    // The checkpoint's [out, in] rows are the matmul's [in, out] weights in "ba" order.
    const void *plain = weight;
    dnnl_data_type_t plain_t = dnnl_f32;
    if (precision == SIFT_INT8) {
        L->scales = malloc(sizeof(float) * (size_t)out);
        qweights = malloc((size_t)in * (size_t)out);
        if (!L->scales || !qweights) FAIL("out of memory");
        for (long n = 0; n < out; n++) {
            float s = sift_quantize_row(weight + n * in, in, qweights + n * in);
            L->scales[n] = s > 0 ? s : 1;
        }
        plain = qweights; plain_t = dnnl_s8;
        if (make_md(&scale_md, out, 1, dnnl_f32, dnnl_ab)) FAIL("scale descriptor");
        dnnl_dims_t d1 = {out};
        dnnl_memory_desc_destroy(scale_md); scale_md = NULL;
        CHECK(dnnl_memory_desc_create_with_tag(&scale_md, 1, d1, dnnl_f32, dnnl_a));
        CHECK(dnnl_memory_create(&L->scales_mem, scale_md, engine, L->scales));
        L->packed_bytes += sizeof(float) * (size_t)out;
    }
    if (make_md(&plain_md, in, out, plain_t, dnnl_ba)) FAIL("weight descriptor");
    CHECK(dnnl_memory_create(&plain_mem, plain_md, engine, (void *)plain));
    CHECK(dnnl_reorder_primitive_desc_create(&rpd, plain_md, engine, L->weights_md, engine, NULL));
    CHECK(dnnl_primitive_create(&reorder, rpd));
    {
        dnnl_stream_t s = NULL;
        CHECK(dnnl_stream_create(&s, engine, dnnl_stream_default_flags));
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, plain_mem}, {DNNL_ARG_TO, L->weights_mem}};
        dnnl_status_t st = dnnl_primitive_execute(reorder, s, 2, args);
        if (st == dnnl_success) st = dnnl_stream_wait(s);
        dnnl_stream_destroy(s);
        CHECK(st);
    }
    if (bias || precision == SIFT_INT8) {  // int8's epilogue always adds one (zeros without)
        L->bias = calloc((size_t)out, sizeof(float));
        if (!L->bias) FAIL("out of memory");
        if (bias) memcpy(L->bias, bias, sizeof(float) * (size_t)out);
        if (onednn_bias) CHECK(dnnl_memory_create(&L->bias_mem, bias_md, engine, L->bias));
    }
    goto done;
fail:
    sift_linear_destroy(L);
    L = NULL;
done:
    free(qweights);
    if (plain_mem) dnnl_memory_destroy(plain_mem);
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (post) dnnl_post_ops_destroy(post);
    dnnl_memory_desc_t mds[] = {src_md, any_md, dst_md, bias_md, plain_md, scale_md};
    for (size_t i = 0; i < sizeof mds / sizeof mds[0]; i++) if (mds[i]) dnnl_memory_desc_destroy(mds[i]);
    return L;
}

void sift_linear_destroy(sift_linear *L) {
    if (!L) return;
    if (L->matmul) dnnl_primitive_destroy(L->matmul);
    if (L->weights_mem) dnnl_memory_destroy(L->weights_mem);
    if (L->scales_mem) dnnl_memory_destroy(L->scales_mem);
    if (L->bias_mem) dnnl_memory_destroy(L->bias_mem);
    if (L->weights_md) dnnl_memory_desc_destroy(L->weights_md);
    if (L->scratch_md) dnnl_memory_desc_destroy(L->scratch_md);
    free(L->weights); free(L->bias); free(L->scales);
    free(L);
}

int sift_linear_forward(const sift_linear *L, long rows, const float *inp, float *out, char *err, size_t err_len) {
    int rc = -1;
    dnnl_memory_desc_t src_md = NULL, dst_md = NULL;
    dnnl_memory_t src_mem = NULL, dst_mem = NULL, scratch_mem = NULL;
    if (rows <= 0) return 0;
    // Sift spreads work over cores itself (lanes, row splits): oneDNN runs on this thread only.
    omp_set_num_threads(1);
    if (!thread_stream) CHECK(dnnl_stream_create(&thread_stream, engine, dnnl_stream_default_flags));
    const void *src = inp;
    float *row_scale = NULL;
    if (L->precision == SIFT_BF16) {
        unsigned short *b = grow(&stage, sizeof(unsigned short) * (size_t)(rows * L->in));
        if (!b) FAIL("out of memory staging %ld rows", rows);
        to_bf16(inp, b, rows * L->in);
        src = b;
    } else if (L->precision == SIFT_INT8) {
        size_t qbytes = ((size_t)(rows * L->in) + 63) & ~(size_t)63;
        signed char *q = grow(&stage, qbytes + sizeof(float) * (size_t)rows);
        if (!q) FAIL("out of memory staging %ld rows", rows);
        row_scale = (float *)(q + qbytes);
        for (long r = 0; r < rows; r++) row_scale[r] = sift_quantize_row(inp + r * L->in, L->in, q + r * L->in);
        src = q;
    }
    if (make_md(&src_md, rows, L->in, input_type(L->precision), dnnl_ab) || make_md(&dst_md, rows, L->out, dnnl_f32, dnnl_ab))
        FAIL("descriptor for %ld rows", rows);
    CHECK(dnnl_memory_create(&src_mem, src_md, engine, (void *)src));
    CHECK(dnnl_memory_create(&dst_mem, dst_md, engine, out));
    void *pad = grow(&scratch, L->scratch_bytes);
    if (!pad) FAIL("out of memory for a %zu-byte scratchpad", L->scratch_bytes);
    CHECK(dnnl_memory_create(&scratch_mem, L->scratch_md, engine, pad));
    dnnl_exec_arg_t args[6];
    int n = 0;
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, src_mem};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, L->weights_mem};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST, dst_mem};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, scratch_mem};
    if (L->bias_mem) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, L->bias_mem};
    if (L->precision == SIFT_INT8) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS, L->scales_mem};
    CHECK(dnnl_primitive_execute(L->matmul, thread_stream, n, args));
    CHECK(dnnl_stream_wait(thread_stream));
    if (L->precision == SIFT_INT8) scale_rows(out, rows, L->out, row_scale, L->bias, L->activation == SIFT_GELU_ERF);
    rc = 0;
fail:
    if (src_mem) dnnl_memory_destroy(src_mem);
    if (dst_mem) dnnl_memory_destroy(dst_mem);
    if (scratch_mem) dnnl_memory_destroy(scratch_mem);
    if (src_md) dnnl_memory_desc_destroy(src_md);
    if (dst_md) dnnl_memory_desc_destroy(dst_md);
    return rc;
}

const char *sift_linear_kernel(const sift_linear *L) { return L->kernel; }
size_t sift_linear_packed_bytes(const sift_linear *L) { return L->packed_bytes; }

const char *sift_dnnl_version(void) {
    static char v[32];
    const dnnl_version_t *d = dnnl_version();
    snprintf(v, sizeof v, "%d.%d.%d", d->major, d->minor, d->patch);
    return v;
}

const char *sift_dnnl_isa(void) {
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_avx512_core_amx_fp16: return "avx512_core_amx_fp16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx512_core_fp16: return "avx512_core_fp16";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx2_vnni_2: return "avx2_vnni_2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_sse41: return "sse41";
    default: return "default";
    }
}
