/*
 * Native peers of the multi-worker workloads: larson and mstress in C with
 * pthreads, ported from the JS versions (bench/workloads/mt/larson.ts,
 * mstress.ts) with the same RNGs, parameters, sizes and data checks, against
 * whatever malloc the process has: the C library's (glibc), or mimalloc,
 * jemalloc or tcmalloc through LD_PRELOAD (packages/lab/src/native.ts). RSS is sampled
 * from a thread as in bench.c; the result is one "@@HZBENCH@@{json}" line in the
 * shape of a multi-worker JS child (packages/lab/src/mt-protocol.ts MtChildResult).
 *
 * Usage: bench-mt <larson|mstress> <threads> <sample_interval_ms> [key=value ...]
 *   larson:  seconds minSize maxSize blocks rounds seed stopCheckEvery
 *   mstress: scale rounds transfers
 * Build: cc -O2 -pthread -fno-builtin-malloc -fno-builtin-free -o bench-mt mt.c -ldl
 *
 * Differences from the JS ports, both in their favour of being C:
 * - larson: a finishing thread starts its replacement itself (pthread_create, as
 *   larson's exercise_heap does), where the JS port's main thread starts it.
 * - mstress: the round's threads are created inside the measured wall time
 *   (~10 us each), and `data` / `retained` come from the allocator under test, as
 *   in mimalloc's stress.c; the JS port keeps them in typed arrays and starts its
 *   workers before the round's clock starts.
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

#define MAX_SAMPLES 65536

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

static void fail(const char *msg) {
  fprintf(stderr, "%s\n", msg);
  exit(1);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) fail("malloc returned NULL");
  return p;
}

/* Which malloc this process really calls (LD_PRELOAD may not have taken). */
static const char *malloc_name(void) {
  if (dlsym(RTLD_DEFAULT, "mi_version")) return "mimalloc";
  if (dlsym(RTLD_DEFAULT, "mallctl")) return "jemalloc";
  if (dlsym(RTLD_DEFAULT, "tc_version")) return "tcmalloc";
  return "glibc";
}

/* ------------------------------------------------------------------------- */
/* Parameters: key=value from argv. */

static int nparams;
static char **params;

static double param(const char *key, double dflt) {
  size_t k = strlen(key);
  for (int i = 0; i < nparams; i++)
    if (strncmp(params[i], key, k) == 0 && params[i][k] == '=') return atof(params[i] + k + 1);
  return dflt;
}

/* ------------------------------------------------------------------------- */
/* larson (bench/workloads/mt/larson.ts). lran2 as bench/workloads/lran2.ts. */

#define LRAN2_MAX 714025
#define LRAN2_IA 1366
#define LRAN2_IC 150889

typedef struct { long x, y, v[97]; } lran2_t;

static void lran2_init(lran2_t *d, long seed) {
  long x = (LRAN2_IC - seed) % LRAN2_MAX;
  if (x < 0) x = -x;
  for (int j = 0; j < 97; j++) {
    x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
    d->v[j] = x;
  }
  d->x = (LRAN2_IA * x + LRAN2_IC) % LRAN2_MAX;
  d->y = d->x;
}

static long lran2(lran2_t *d) {
  long j = d->y % 97;
  d->y = d->v[j];
  d->x = (LRAN2_IA * d->x + LRAN2_IC) % LRAN2_MAX;
  d->v[j] = d->x;
  return d->y;
}

typedef struct {
  int slice;
  lran2_t rng;
  long c_allocs, c_frees, c_threads;
} slice_t;

static char **blkp;
static long l_blocks, l_min, l_range, l_ops_per_thread;
static int l_stop_every;
static atomic_int l_stop;
static atomic_int l_slices_done;
static atomic_long l_threads_started;
static volatile int l_sink;

static void *larson_thread(void *arg) {
  slice_t *s = arg;
  if (atomic_load(&l_stop)) {
    atomic_fetch_add(&l_slices_done, 1);
    return NULL;
  }
  long off = s->slice * l_blocks;
  int sink = 0;
  long done = 0;
  for (long c = 0; c < l_ops_per_thread; c++) {
    long victim = off + lran2(&s->rng) % l_blocks;
    free(blkp[victim]);
    char *p = malloc((size_t)(l_min + lran2(&s->rng) % l_range));
    if (!p) fail("larson: malloc returned NULL");
    blkp[victim] = p;
    p[0] = 'a';
    sink ^= p[0];
    p[1] = 'b';
    done++;
    if ((c % l_stop_every) == l_stop_every - 1 && atomic_load_explicit(&l_stop, memory_order_relaxed)) break;
  }
  l_sink = sink;
  s->c_allocs += done;
  s->c_frees += done;
  s->c_threads++;
  if (atomic_load(&l_stop)) {
    atomic_fetch_add(&l_slices_done, 1);
    return NULL;
  }
  /* Hand the slice to a new thread (thread churn), as exercise_heap does. */
  pthread_t th;
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  atomic_fetch_add(&l_threads_started, 1);
  if (pthread_create(&th, &at, larson_thread, s) != 0) fail("larson: pthread_create failed");
  pthread_attr_destroy(&at);
  return NULL;
}

static void larson(int T, double *elapsed, double *rate, char *metrics, size_t mlen, double *m_timed, double *m_end) {
  double seconds = param("seconds", 1.5);
  l_min = (long)param("minSize", 8);
  long max = (long)param("maxSize", 1000);
  l_range = max - l_min;
  l_blocks = (long)param("blocks", 5000);
  long rounds = (long)param("rounds", 2000);
  long seed = (long)param("seed", 4141);
  l_stop_every = (int)param("stopCheckEvery", 32);
  l_ops_per_thread = rounds * l_blocks;
  long n = T * l_blocks;
  lran2_t rgen;
  lran2_init(&rgen, seed);
  blkp = xmalloc(sizeof(char *) * (size_t)n);
  for (long i = 0; i < n; i++) blkp[i] = xmalloc((size_t)(l_min + lran2(&rgen) % l_range));
  for (long c = n; c > 0; c--) {
    long victim = lran2(&rgen) % c;
    char *tmp = blkp[victim];
    blkp[victim] = blkp[c - 1];
    blkp[c - 1] = tmp;
  }
  for (long c = 0; c < 4 * n; c++) {
    long victim = lran2(&rgen) % n;
    free(blkp[victim]);
    blkp[victim] = xmalloc((size_t)(l_min + lran2(&rgen) % l_range));
  }
  slice_t *slices = calloc((size_t)T, sizeof(slice_t));
  for (int i = 0; i < T; i++) {
    slices[i].slice = i;
    lran2_init(&slices[i].rng, lran2(&rgen));
  }
  *m_timed = sample_now();
  double t0 = now_ms();
  atomic_store(&l_threads_started, T);
  for (int i = 0; i < T; i++) {
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, larson_thread, &slices[i]) != 0) fail("larson: pthread_create failed");
    pthread_attr_destroy(&at);
  }
  usleep((useconds_t)(seconds * 1e6));
  atomic_store(&l_stop, 1);
  while (atomic_load(&l_slices_done) < T) usleep(200);
  double t1 = now_ms();
  *m_end = sample_now();
  for (long i = 0; i < n; i++) free(blkp[i]);
  free(blkp);
  long allocs = 0, frees = 0, run = 0;
  for (int i = 0; i < T; i++) { allocs += slices[i].c_allocs; frees += slices[i].c_frees; run += slices[i].c_threads; }
  free(slices);
  *elapsed = t1 - t0;
  *rate = allocs / (*elapsed / 1000.0);
  snprintf(metrics, mlen, "\"allocations\":%ld,\"frees\":%ld,\"freesPerSec\":%.3f,\"threadsStarted\":%ld,\"threadsRun\":%ld",
           allocs, frees, frees / (*elapsed / 1000.0), atomic_load(&l_threads_started), run);
}

/* ------------------------------------------------------------------------- */
/* mstress (bench/workloads/mt/mstress.ts; mimalloc's test/test-stress.c). */

#define COOKIE 0xbf58476d1ce4e5b9ULL

static uint64_t sm_hash(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}
static uint64_t pick(uint64_t *r) { return *r = sm_hash(*r); }
static int chance(uint64_t *r, uint64_t p) { return pick(r) % 100 <= p; }

static long m_transfers;
static _Atomic(uint64_t *) *transfer;
static long m_scale;

typedef struct { long allocations, frees, bytes, words; } counts_t;

static uint64_t *alloc_items(size_t items, uint64_t *r, counts_t *c) {
  size_t n = items;
  if (chance(r, 1)) {
    if (chance(r, 1)) n *= 10000;
    else if (chance(r, 10)) n *= 1000;
    else n *= 100;
  }
  if (n == 40) n++;
  uint64_t *p = malloc(n * 8);
  if (!p) fail("mstress: malloc returned NULL");
  for (size_t i = 0; i < n; i++) p[i] = (uint64_t)(n - i) ^ COOKIE;
  c->allocations++;
  c->bytes += (long)(n * 8);
  c->words += (long)n;
  return p;
}

static void free_items(uint64_t *p, counts_t *c) {
  if (!p) return;
  uint64_t n = p[0] ^ COOKIE;
  if (n == 0 || n > 640000) { fprintf(stderr, "mstress: memory corruption: block %p word 0 is no item count\n", (void *)p); exit(1); }
  for (uint64_t i = 0; i < n; i++)
    if ((p[i] ^ COOKIE) != n - i) { fprintf(stderr, "mstress: memory corruption in block %p word %lu\n", (void *)p, (unsigned long)i); exit(1); }
  free(p);
  c->frees++;
}

typedef struct { long tid; counts_t c; } stress_arg_t;

static void *stress(void *arg) {
  stress_arg_t *a = arg;
  counts_t *c = &a->c;
  uint64_t r = (uint64_t)(a->tid + 1) * 43;
  long allocs = 100 * m_scale * (a->tid % 8 + 1);
  long retain = allocs / 2;
  size_t data_size = 0, data_top = 0, retain_top = 0;
  uint64_t **data = NULL;
  uint64_t **retained = malloc(sizeof(uint64_t *) * (size_t)(retain > 0 ? retain : 1));
  if (!retained) fail("mstress: malloc returned NULL");
  while (allocs > 0 || retain > 0) {
    if (retain == 0 || (chance(&r, 50) && allocs > 0)) {
      allocs--;
      if (data_top >= data_size) {
        data_size += 100000;
        data = realloc(data, data_size * sizeof(uint64_t *));
        if (!data) fail("mstress: realloc returned NULL");
      }
      data[data_top++] = alloc_items(1ULL << (pick(&r) % 5), &r, c);
    } else {
      retained[retain_top++] = alloc_items(1ULL << (pick(&r) % 7), &r, c);
      retain--;
    }
    if (chance(&r, 66) && data_top > 0) {
      size_t idx = pick(&r) % data_top;
      free_items(data[idx], c);
      data[idx] = NULL;
    }
    if (chance(&r, 25) && data_top > 0) {
      size_t di = pick(&r) % data_top;
      size_t ti = pick(&r) % (uint64_t)m_transfers;
      data[di] = atomic_exchange(&transfer[ti], data[di]);
    }
  }
  for (size_t i = 0; i < retain_top; i++) free_items(retained[i], c);
  for (size_t i = 0; i < data_top; i++) free_items(data[i], c);
  free(retained);
  free(data);
  return NULL;
}

static void mstress(int T, double *elapsed, double *rate, char *metrics, size_t mlen, double *m_timed, double *m_end) {
  m_scale = (long)param("scale", 50);
  long rounds = (long)param("rounds", 25);
  m_transfers = (long)param("transfers", 1000);
  transfer = calloc((size_t)m_transfers, sizeof(*transfer));
  uint64_t r_main = 43 * 43;
  counts_t total = {0, 0, 0, 0};
  stress_arg_t *args = calloc((size_t)T, sizeof(stress_arg_t));
  pthread_t *th = calloc((size_t)T, sizeof(pthread_t));
  double wall = 0;
  *m_timed = sample_now();
  for (long n = 0; n < rounds; n++) {
    double t0 = now_ms();
    for (int i = 1; i < T; i++) {
      args[i].tid = i;
      memset(&args[i].c, 0, sizeof(counts_t));
      if (pthread_create(&th[i], NULL, stress, &args[i]) != 0) fail("mstress: pthread_create failed");
    }
    args[0].tid = 0;
    memset(&args[0].c, 0, sizeof(counts_t));
    stress(&args[0]);
    for (int i = 1; i < T; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < T; i++) {
      total.allocations += args[i].c.allocations;
      total.frees += args[i].c.frees;
      total.bytes += args[i].c.bytes;
      total.words += args[i].c.words;
    }
    for (long i = 0; i < m_transfers; i++) {
      if (chance(&r_main, 50) || n + 1 == rounds) free_items(atomic_exchange(&transfer[i], NULL), &total);
    }
    wall += now_ms() - t0;
  }
  *m_end = sample_now();
  free(args);
  free(th);
  free(transfer);
  if (total.allocations != total.frees) fail("mstress: allocations != frees: blocks were lost");
  *elapsed = wall;
  *rate = total.allocations / (wall / 1000.0);
  snprintf(metrics, mlen, "\"wallMs\":%.3f,\"allocations\":%ld,\"frees\":%ld,\"bytesAllocated\":%ld,\"wordsChecked\":%ld,\"rounds\":%ld,\"threadsStarted\":%ld",
           wall, total.allocations, total.frees, total.bytes, total.words, rounds, rounds * (T - 1));
}

/* ------------------------------------------------------------------------- */

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <larson|mstress> <threads> <interval_ms> [key=value ...]\n", argv[0]);
    return 2;
  }
  const char *w = argv[1];
  int T = atoi(argv[2]);
  sample_interval_ms = atoi(argv[3]);
  if (sample_interval_ms <= 0) sample_interval_ms = 50;
  if (T < 1) T = 1;
  nparams = argc - 4;
  params = argv + 4;
  t_origin = now_ms();
  pthread_t sth;
  pthread_create(&sth, NULL, sampler, NULL);
  double m_setup = sample_now();
  double m_warmup = sample_now();
  double rss_base = read_rss();
  double elapsed = 0, rate = 0, m_timed = 0, m_end = 0;
  char metrics[1024];
  const char *metric;
  if (strcmp(w, "larson") == 0) {
    metric = "allocations/s";
    larson(T, &elapsed, &rate, metrics, sizeof metrics, &m_timed, &m_end);
  } else if (strcmp(w, "mstress") == 0) {
    metric = "allocations/s (wall time)";
    mstress(T, &elapsed, &rate, metrics, sizeof metrics, &m_timed, &m_end);
  } else {
    fprintf(stderr, "unknown workload %s (this binary has larson and mstress)\n", w);
    return 2;
  }
  atomic_store(&sampler_stop, 1);
  pthread_join(sth, NULL);
  sample_now();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("@@HZBENCH@@{\"workload\":\"%s_t%d\",\"allocator\":\"%s\",\"iterations\":0,\"warmupIterations\":0,"
         "\"elapsedMs\":%.6f,\"opsPerSec\":%.3f,\"sampleIntervalMs\":%d,"
         "\"marks\":{\"setup\":%.3f,\"warmup\":%.3f,\"timed\":%.3f,\"end\":%.3f},\"maxRssBytes\":%ld,"
         "\"mt\":{\"spec\":\"%s\",\"threads\":%d,\"metric\":\"%s\",\"sharing\":\"C malloc, pthreads (malloc: %s)\",\"malloc\":\"%s\",\"rssBase\":%.0f,"
         "\"params\":{",
         w, T, malloc_name(), elapsed, rate, sample_interval_ms, m_setup, m_warmup, m_timed, m_end, (long)ru.ru_maxrss * 1024,
         w, T, metric, malloc_name(), malloc_name(), rss_base);
  for (int i = 0; i < nparams; i++) {
    char *eq = strchr(params[i], '=');
    if (!eq) continue;
    printf("%s\"%.*s\":%s", i ? "," : "", (int)(eq - params[i]), params[i], eq + 1);
  }
  printf("},\"metrics\":{%s}},\"rssSamples\":[", metrics);
  int n = atomic_load(&sample_count);
  if (n > MAX_SAMPLES) n = MAX_SAMPLES;
  for (int i = 0; i < n; i++) printf("%s[%.3f,%.0f]", i ? "," : "", samples_t[i], samples_rss[i]);
  printf("]}\n");
  return 0;
}
