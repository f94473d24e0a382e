/*
 * Native peer: the same single-threaded loops as bench/workloads/ (TS), in C,
 * against the C library's malloc/free (glibc here). Shows how far the JS
 * allocators are from native. Same RNG, slots, sizes and phases (warm-up, then
 * the timed run), same RSS sampling (/proc/self/statm every interval, from a
 * thread), same result protocol as the JS children (packages/lab/src/protocol.ts): one
 * line "@@HZBENCH@@{json}" on stdout.
 *
 * Usage: bench <workload> <iterations> <warmup_iterations> <sample_interval_ms>
 * Build: cc -O2 -pthread -fno-builtin-malloc -fno-builtin-free -o bench bench.c -ldl
 * Run under another malloc with LD_PRELOAD (packages/lab/src/native.ts); "malloc" in the
 * result says which one the process really called.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define WS 400
#define SEED 0x12345678u
#define MAX_SAMPLES 65536

/* Global so the compiler cannot prove the blocks unused and drop malloc/free pairs. */
void *slots[WS];

static double t_origin;
static double samples_t[MAX_SAMPLES];
static double samples_rss[MAX_SAMPLES];
static atomic_int sample_count;
static atomic_int sampler_stop;
static int sample_interval_ms = 50;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double read_rss(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (double)resident * 4096.0;
}

static double sample_now(void) {
  double rss = read_rss();
  double t = now_ms() - t_origin;
  int i = atomic_fetch_add(&sample_count, 1);
  if (i < MAX_SAMPLES) { samples_t[i] = t; samples_rss[i] = rss; }
  return t;
}

static void *sampler(void *arg) {
  (void)arg;
  while (!atomic_load(&sampler_stop)) {
    sample_now();
    usleep((useconds_t)sample_interval_ms * 1000);
  }
  return NULL;
}

/* Which malloc this process really calls (LD_PRELOAD may not have taken): a symbol only that library has. */
static const char *malloc_name(void) {
  if (dlsym(RTLD_DEFAULT, "mi_version")) return "mimalloc";
  if (dlsym(RTLD_DEFAULT, "mallctl")) return "jemalloc";
  if (dlsym(RTLD_DEFAULT, "tc_version")) return "tcmalloc";
  return "glibc";
}

static inline uint32_t lcg(uint32_t x) { return x * 1664525u + 1013904223u; }

static void oom(long i) {
  fprintf(stderr, "malloc returned NULL at iteration %ld\n", i);
  exit(1);
}

static void free_rest(void) {
  for (int s = 0; s < WS; s++) if (slots[s]) { free(slots[s]); slots[s] = NULL; }
}

static void random_mixed(long iterations, uint32_t min, uint32_t max) {
  uint32_t x = SEED, span = max - min + 1;
  for (long i = 0; i < iterations; i++) {
    x = lcg(x);
    uint32_t slot = x % WS;
    if (slots[slot]) { free(slots[slot]); slots[slot] = NULL; }
    else {
      void *p = malloc(min + x % span);
      if (!p) oom(i);
      slots[slot] = p;
    }
  }
  free_rest();
}

static void dist_app(long iterations) {
  uint32_t x = SEED;
  for (long i = 0; i < iterations; i++) {
    x = lcg(x);
    uint32_t slot = x % WS;
    if (slots[slot]) { free(slots[slot]); slots[slot] = NULL; }
    else {
      x = lcg(x);
      uint32_t b = x % 100;
      x = lcg(x);
      size_t size;
      if (b < 80) size = 16 + x % 241;
      else if (b < 95) size = 257 + x % 1792;
      else size = 2049 + x % 30720;
      void *p = malloc(size);
      if (!p) oom(i);
      slots[slot] = p;
    }
  }
  free_rest();
}

static int run(const char *w, long n) {
  if (strcmp(w, "random_mixed_small") == 0) random_mixed(n, 16, 2048);
  else if (strcmp(w, "random_mixed_medium") == 0) random_mixed(n, 4096, 32768);
  else if (strcmp(w, "random_mixed_mixed") == 0) random_mixed(n, 16, 32768);
  else if (strcmp(w, "dist_app") == 0) dist_app(n);
  else return -1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s <workload> <iterations> <warmup> <interval_ms>\n", argv[0]);
    return 2;
  }
  const char *w = argv[1];
  long iterations = atol(argv[2]), warmup = atol(argv[3]);
  sample_interval_ms = atoi(argv[4]);
  if (sample_interval_ms <= 0) sample_interval_ms = 50;
  t_origin = now_ms();
  pthread_t th;
  pthread_create(&th, NULL, sampler, NULL);
  double m_setup = sample_now();
  double m_warmup = sample_now();
  if (warmup > 0 && run(w, warmup) != 0) { fprintf(stderr, "unknown workload %s\n", w); return 2; }
  double m_timed = sample_now();
  double t0 = now_ms();
  if (run(w, iterations) != 0) { fprintf(stderr, "unknown workload %s\n", w); return 2; }
  double t1 = now_ms();
  double m_end = sample_now();
  atomic_store(&sampler_stop, 1);
  pthread_join(th, NULL);
  sample_now();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double elapsed = t1 - t0;
  printf("@@HZBENCH@@{\"workload\":\"%s\",\"allocator\":\"%s\",\"malloc\":\"%s\",\"iterations\":%ld,\"warmupIterations\":%ld,"
         "\"elapsedMs\":%.6f,\"opsPerSec\":%.3f,\"sampleIntervalMs\":%d,"
         "\"marks\":{\"setup\":%.3f,\"warmup\":%.3f,\"timed\":%.3f,\"end\":%.3f},\"maxRssBytes\":%ld,\"rssSamples\":[",
         w, malloc_name(), malloc_name(), iterations, warmup, elapsed, iterations / (elapsed / 1000.0), sample_interval_ms,
         m_setup, m_warmup, m_timed, m_end, (long)ru.ru_maxrss * 1024);
  int n = atomic_load(&sample_count);
  if (n > MAX_SAMPLES) n = MAX_SAMPLES;
  for (int i = 0; i < n; i++) printf("%s[%.3f,%.0f]", i ? "," : "", samples_t[i], samples_rss[i]);
  printf("]}\n");
  return 0;
}
