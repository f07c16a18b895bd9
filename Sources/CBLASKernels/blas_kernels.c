// Makes OpenBLAS run kernels that match this CPU's instruction sets, before any code calls it.
//
// A DYNAMIC_ARCH OpenBLAS picks its kernel family from the CPU model number at load time. Models it
// does not know fall back to generic SSE3 kernels ("Prescott"), 5x slower than its AVX-512 ones on the
// same machine. This constructor runs after libopenblas's own (shared libraries initialize first) and
// before main, while no thread can be inside a BLAS call, and re-runs OpenBLAS's selection with
// OPENBLAS_CORETYPE naming the family the CPU's features (CPUID, with OS support) allow.
#include "blas_kernels.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

// From libopenblas (DYNAMIC_ARCH builds export them; Debian's does).
char *openblas_get_corename(void);
void gotoblas_dynamic_init(void);
void gotoblas_dynamic_quit(void);

static char replaced[32];

const char *sift_blas_replaced_core(void) { return replaced[0] ? replaced : NULL; }

const char *sift_blas_core_for_cpu(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return __builtin_cpu_supports("avx512bf16") ? "Cooperlake" : "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return NULL;
}

// 3: AVX-512 kernels, 2: AVX2, 1: AVX, 0: SSE or unknown.
static int rank(const char *core) {
    static const char *avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
    static const char *avx2[] = {"Haswell", "Zen", "SkylakeX"};
    for (size_t i = 0; i < sizeof avx512 / sizeof *avx512; i++) if (!strcasecmp(core, avx512[i])) return 3;
    for (size_t i = 0; i < sizeof avx2 / sizeof *avx2; i++) if (!strcasecmp(core, avx2[i])) return 2;
    if (!strcasecmp(core, "Sandybridge")) return 1;
    return 0;
}

__attribute__((constructor)) static void sift_select_blas_kernels(void) {
    // SIFT_KEEP_OPENBLAS_CORE=1 keeps OpenBLAS's choice (to measure it, for instance).
    const char *keep = getenv("SIFT_KEEP_OPENBLAS_CORE");
    if (keep && *keep && strcmp(keep, "0") != 0) return;
    const char *want = sift_blas_core_for_cpu();
    const char *have = openblas_get_corename();
    if (!want || !have || rank(have) >= rank(want)) return;
    strncpy(replaced, have, sizeof replaced - 1);
    // OpenBLAS reads the family from the environment; the caller's value is put back afterwards.
    const char *previous = getenv("OPENBLAS_CORETYPE");
    char saved[64] = {0};
    if (previous) strncpy(saved, previous, sizeof saved - 1);
    setenv("OPENBLAS_CORETYPE", want, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    if (previous) setenv("OPENBLAS_CORETYPE", saved, 1); else unsetenv("OPENBLAS_CORETYPE");
}
