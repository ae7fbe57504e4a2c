// Process set-up for the `polytail` command.
//
// OpenBLAS starts its worker threads while it is loaded, before main, and an idle worker
// spins (sched_yield) for about 2^28 cycles (~0.1 s) before it sleeps. The command line's
// linear algebra is on matrices of a few rows and columns (Newton steps, d × d scatter
// matrices), where the workers bring nothing, while the fits' own passes over the data run
// on every core (Dispatch): on a two-core machine a spinning worker competes with them. So
// the command asks OpenBLAS for one thread and stops its workers, unless the user chose a
// number (OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS). The functions are
// looked up at run time: with another BLAS (the reference one) this does nothing.
//
// (The environment cannot be set early enough from inside the process: glibc's own
// initialiser resets `environ` after an executable's pre-initialisers have run.)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include "CPolytailStartup.h"

void polytail_single_blas_thread(void) {
    if (getenv("OPENBLAS_NUM_THREADS") || getenv("GOTO_NUM_THREADS") || getenv("OMP_NUM_THREADS")) return;
    void (*set_threads)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
    int (*shutdown)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "blas_thread_shutdown_");
    if (!set_threads || !shutdown) return;
    set_threads(1);
    shutdown();
}
