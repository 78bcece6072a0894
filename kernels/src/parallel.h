/* OpenMP helpers that compile to plain serial loops without OpenMP. */
#ifndef ATTRIB_PARALLEL_H
#define ATTRIB_PARALLEL_H

#include <stdint.h>

/* Below this many elements a loop stays on one thread: forking costs more. */
#define ATTRIB_PAR_MIN 4096

#ifdef _OPENMP
#include <omp.h>
#define ATTRIB_PRAGMA(x) _Pragma(#x)
#define ATTRIB_PARALLEL_FOR(n) ATTRIB_PRAGMA(omp parallel for schedule(static) if ((n) >= ATTRIB_PAR_MIN))
#define ATTRIB_PARALLEL_FOR_OR(n, flag) \
    ATTRIB_PRAGMA(omp parallel for schedule(static) reduction(| : flag) if ((n) >= ATTRIB_PAR_MIN))
#define ATTRIB_PARALLEL_REGION(n) ATTRIB_PRAGMA(omp parallel if ((n) >= ATTRIB_PAR_MIN))
#define ATTRIB_FOR_NOWAIT ATTRIB_PRAGMA(omp for schedule(static) nowait)
#define ATTRIB_CRITICAL ATTRIB_PRAGMA(omp critical)
static inline int attrib_thread_id(void) { return omp_get_thread_num(); }
static inline int attrib_thread_count(void) { return omp_get_num_threads(); }
static inline int attrib_max_threads(void) { return omp_get_max_threads(); }
static inline void attrib_set_threads(int n) { omp_set_num_threads(n); }
static inline int attrib_has_openmp(void) { return 1; }
#else
#define ATTRIB_PARALLEL_FOR(n)
#define ATTRIB_PARALLEL_FOR_OR(n, flag)
#define ATTRIB_PARALLEL_REGION(n)
#define ATTRIB_FOR_NOWAIT
#define ATTRIB_CRITICAL
static inline int attrib_thread_id(void) { return 0; }
static inline int attrib_thread_count(void) { return 1; }
static inline int attrib_max_threads(void) { return 1; }
static inline void attrib_set_threads(int n) { (void)n; }
static inline int attrib_has_openmp(void) { return 0; }
#endif

/* The contiguous block [lo, hi) of [0, n) that the calling thread owns. */
static inline void attrib_thread_block(int64_t n, int64_t *lo, int64_t *hi) {
    int64_t t = attrib_thread_count(), id = attrib_thread_id();
    *lo = n * id / t;
    *hi = n * (id + 1) / t;
}

#endif
