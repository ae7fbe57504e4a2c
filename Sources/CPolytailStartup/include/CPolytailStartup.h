// Process set-up for the `polytail` command (see startup.c).

/// One OpenBLAS thread and no idle workers, unless the user chose a number of threads.
void polytail_single_blas_thread(void);
