/*
 * hakozuna_release: the OS end of hakozuna's release boundary (see src/release/os.ts).
 *
 *   release(view, byteOffset, byteLength) -> bytes advised
 *     madvise(MADV_DONTNEED) on the OS pages that lie wholly inside
 *     [base + byteOffset, base + byteOffset + byteLength), base = start of the
 *     (Shared)ArrayBuffer behind the typed array `view`. Start is rounded up and end
 *     down, so no byte outside the range is touched. Private anonymous pages (what V8
 *     gives a SharedArrayBuffer) read back as zero afterwards.
 *   pageSize()              -> sysconf(_SC_PAGESIZE)
 *   alignmentOffset(view)   -> (base mod page size): bytes into an OS page the buffer starts
 *
 * N-API has no SharedArrayBuffer accessor in Node 20, but napi_get_typedarray_info on
 * a view over one returns its data pointer. NAPI_MODULE_INIT makes the addon
 * context-aware, so every worker_thread can load it.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TRY(call) do { if ((call) != napi_ok) return 0; } while (0)

static uintptr_t page_size(void) { return (uintptr_t)sysconf(_SC_PAGESIZE); }

/* base pointer and total byte length of the buffer behind a typed array; NULL + throw on bad view */
static int buffer_of(napi_env env, napi_value view, uintptr_t *base, double *len) {
  bool is_ta = false;
  napi_typedarray_type type; size_t n, off; void *data; napi_value ab, bl;
  TRY(napi_is_typedarray(env, view, &is_ta));
  if (!is_ta) { napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "view must be a typed array over the arena"); return 0; }
  TRY(napi_get_typedarray_info(env, view, &type, &n, &data, &ab, &off));
  TRY(napi_get_named_property(env, ab, "byteLength", &bl));
  TRY(napi_get_value_double(env, bl, len));
  if (data == NULL) { napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "view has no backing store (detached?)"); return 0; }
  *base = (uintptr_t)data - off;
  return 1;
}

static int get_index(napi_env env, napi_value v, const char *name, double *out) {
  napi_valuetype t; char msg[96];
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t != napi_number || napi_get_value_double(env, v, out) != napi_ok ||
      !(*out >= 0) || *out > 9007199254740991.0 || floor(*out) != *out) {
    snprintf(msg, sizeof msg, "%s must be a non-negative integer", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  return 1;
}

/* Parse (view, byteOffset, byteLength) and round the range inward to whole OS pages:
   [*lo, *hi) are addresses, *hi <= *lo when no whole page lies inside. 0 + a thrown error on bad input. */
static int page_range(napi_env env, napi_callback_info info, const char *usage, uintptr_t *lo, uintptr_t *hi) {
  size_t argc = 3; napi_value argv[3]; uintptr_t base; double len, off, n;
  TRY(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) { napi_throw_type_error(env, "ERR_MISSING_ARGS", usage); return 0; }
  if (!buffer_of(env, argv[0], &base, &len)) return 0;
  if (!get_index(env, argv[1], "byteOffset", &off) || !get_index(env, argv[2], "byteLength", &n)) return 0;
  if (off + n > len) { napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "byteOffset + byteLength exceeds the buffer"); return 0; }
  uintptr_t ps = page_size();
  *lo = (base + (uintptr_t)off + ps - 1) & ~(ps - 1);
  *hi = (base + (uintptr_t)off + (uintptr_t)n) & ~(ps - 1);
  return 1;
}

static napi_value Release(napi_env env, napi_callback_info info) {
  napi_value result; uintptr_t lo, hi;
  if (!page_range(env, info, "release(view, byteOffset, byteLength) needs 3 arguments", &lo, &hi)) return NULL;
  size_t bytes = hi > lo ? hi - lo : 0;
  if (bytes > 0 && madvise((void *)lo, bytes, MADV_DONTNEED) != 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "madvise(MADV_DONTNEED) failed: %s (errno %d)", strerror(errno), errno);
    napi_throw_error(env, "ERR_HAKOZUNA_MADVISE", msg);
    return NULL;
  }
  TRY(napi_create_double(env, (double)bytes, &result));
  return result;
}

static napi_value PageSize(napi_env env, napi_callback_info info) {
  napi_value r; (void)info;
  TRY(napi_create_double(env, (double)page_size(), &r));
  return r;
}

static napi_value AlignmentOffset(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1], r; uintptr_t base; double len;
  TRY(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) { napi_throw_type_error(env, "ERR_MISSING_ARGS", "alignmentOffset(view) needs a typed array"); return NULL; }
  if (!buffer_of(env, argv[0], &base, &len)) return NULL;
  TRY(napi_create_double(env, (double)(base % page_size()), &r));
  return r;
}

/* residentPages(view, byteOffset, byteLength): OS pages wholly inside the range that are
   resident now (mincore). A measuring tool for the lab: "pages touched" of a region. */
static napi_value ResidentPages(napi_env env, napi_callback_info info) {
  napi_value result; uintptr_t lo, hi, ps = page_size();
  if (!page_range(env, info, "residentPages(view, byteOffset, byteLength) needs 3 arguments", &lo, &hi)) return NULL;
  double resident = 0;
  unsigned char vec[4096];
  for (uintptr_t at = lo; at < hi; at += ps * sizeof vec) {
    size_t chunk = hi - at < ps * sizeof vec ? hi - at : ps * sizeof vec;
    if (mincore((void *)at, chunk, vec) != 0) {
      char msg[128];
      snprintf(msg, sizeof msg, "mincore failed: %s (errno %d)", strerror(errno), errno);
      napi_throw_error(env, "ERR_HAKOZUNA_MINCORE", msg);
      return NULL;
    }
    for (size_t i = 0; i < chunk / ps; i++) resident += vec[i] & 1;
  }
  TRY(napi_create_double(env, resident, &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "release", NULL, Release, NULL, NULL, NULL, napi_enumerable, NULL },
    { "pageSize", NULL, PageSize, NULL, NULL, NULL, napi_enumerable, NULL },
    { "alignmentOffset", NULL, AlignmentOffset, NULL, NULL, NULL, napi_enumerable, NULL },
    { "residentPages", NULL, ResidentPages, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
