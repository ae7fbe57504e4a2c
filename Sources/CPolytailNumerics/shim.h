// One umbrella header for GSL, CBLAS and LAPACKE.
//
// The system <cblas.h> comes first; GSL's private copy of the CBLAS declarations
// (gsl/gsl_cblas.h) is then suppressed through its include guard, so that the
// enums CblasRowMajor etc. are declared once (release builds fail otherwise).
// CBLAS symbols resolve to the system libblas.so.3 (OpenBLAS when installed),
// never to GSL's slow bundled libgslcblas.
#ifndef POLYTAIL_SHIM_H
#define POLYTAIL_SHIM_H

#include <cblas.h>
#define __GSL_CBLAS_H__ 1

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_log.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_vector.h>
#include <lapacke.h>
#include <zlib.h>

// GSL exposes its algorithm tables as `extern const T *` globals, which Swift 6's
// strict concurrency checking refuses to read. These accessors return them.
static inline const gsl_rng_type *polytail_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_root_fsolver_type *polytail_root_brent(void) { return gsl_root_fsolver_brent; }
static inline const gsl_min_fminimizer_type *polytail_min_brent(void) { return gsl_min_fminimizer_brent; }
static inline const gsl_multimin_fminimizer_type *polytail_multimin_nmsimplex2(void) { return gsl_multimin_fminimizer_nmsimplex2; }
static inline const gsl_multimin_fdfminimizer_type *polytail_multimin_bfgs2(void) { return gsl_multimin_fdfminimizer_vector_bfgs2; }

#endif
