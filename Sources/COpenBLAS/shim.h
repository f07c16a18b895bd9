// Debian's libopenblas-dev puts cblas.h under openblas-pthread/; pkg-config adds that path.
#include <cblas.h>
// Not in every cblas.h; declared here so Swift can pin the thread count.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// Which kernels OpenBLAS chose for this CPU ("Haswell", "SkylakeX", "Prescott", ...), for benchmark headers.
char* openblas_get_corename(void);
