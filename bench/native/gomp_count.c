/* bench/native/gomp_count.c — counts OpenMP parallel regions (libgomp's GOMP_parallel entry) in a process, as an
 * LD_PRELOAD shim: bench/forkjoin.py loads it under fastnet to count the regions one training step opens. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
static long count = 0;
typedef void (*gp_t)(void (*)(void*), void*, unsigned, unsigned);
void GOMP_parallel(void (*fn)(void*), void* data, unsigned n, unsigned flags) {
  static gp_t real = 0;
  if (!real) { void* h = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD); if (!h) h = dlopen("libgomp.so.1", RTLD_NOW); real = (gp_t)dlsym(h, "GOMP_parallel"); }
  ++count;
  real(fn, data, n, flags);
}
long gomp_count(void) { return count; }
__attribute__((destructor)) static void report(void) { if (getenv("GOMP_COUNT")) fprintf(stderr, "GOMP_parallel calls: %ld\n", count); }
