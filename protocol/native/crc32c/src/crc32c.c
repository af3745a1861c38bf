/*
 * CRC-32C (Castagnoli) with the x86-64 SSE4.2 CRC32 instruction.
 *
 * The instruction has a latency of three cycles and a throughput of one per cycle, so a single dependency chain
 * uses a third of it. Blocks of 3 x LONG_BLOCK (then 3 x SHORT_BLOCK) bytes are checksummed as three independent
 * streams and joined: the CRC register is linear over GF(2), so crc(A || B) = shift_|B|(crc(A)) ^ crc0(B), where
 * crc0 starts from a zero register and shift_n is the register after n zero bytes, a linear map applied here
 * through four 256-entry tables built at load time.
 *
 * Exports `crc32c(bytes: Uint8Array, crc = 0): number` (the running CRC, as zlib's crc32 takes it) and
 * `hardware: boolean`; without SSE4.2 (or off x86-64) only `hardware: false` is exported and callers use their
 * own fallback.
 */
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define HAVE_SSE42 1
#define SSE42 __attribute__((target("sse4.2")))

#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

static uint32_t long_shift[4][256];
static uint32_t short_shift[4][256];

/* The register after `len` zero bytes (len a multiple of 8). */
SSE42 static uint32_t zeros(uint32_t crc, size_t len) {
  uint64_t c = crc;
  for (size_t i = 0; i < len; i += 8) c = _mm_crc32_u64(c, 0);
  return (uint32_t)c;
}

SSE42 static void make_shift_table(uint32_t table[4][256], size_t len) {
  uint32_t basis[32];
  for (int i = 0; i < 32; i++) basis[i] = zeros(1u << i, len);
  for (int k = 0; k < 4; k++) {
    for (int b = 0; b < 256; b++) {
      uint32_t v = 0;
      for (int j = 0; j < 8; j++) {
        if (b & (1 << j)) v ^= basis[8 * k + j];
      }
      table[k][b] = v;
    }
  }
}

static inline uint32_t shift(const uint32_t table[4][256], uint32_t c) {
  return table[0][c & 0xff] ^ table[1][(c >> 8) & 0xff] ^ table[2][(c >> 16) & 0xff] ^ table[3][c >> 24];
}

static inline uint64_t load64(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

/* Three interleaved streams over as many 3 x block runs as fit; returns the joined register. */
SSE42 static uint64_t interleaved(uint64_t c0, const uint8_t **pp, size_t *lenp, size_t block,
                                  const uint32_t table[4][256]) {
  const uint8_t *p = *pp;
  size_t len = *lenp;
  while (len >= 3 * block) {
    uint64_t c1 = 0, c2 = 0;
    const uint8_t *end = p + block;
    do {
      c0 = _mm_crc32_u64(c0, load64(p));
      c1 = _mm_crc32_u64(c1, load64(p + block));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * block));
      p += 8;
    } while (p < end);
    c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c1;
    c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c2;
    p += 2 * block;
    len -= 3 * block;
  }
  *pp = p;
  *lenp = len;
  return c0;
}

SSE42 static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len) {
  uint64_t c = crc ^ 0xffffffffu;
  while (len > 0 && ((uintptr_t)p & 7) != 0) {
    c = _mm_crc32_u8((uint32_t)c, *p++);
    len--;
  }
  c = interleaved(c, &p, &len, LONG_BLOCK, (const uint32_t(*)[256])long_shift);
  c = interleaved(c, &p, &len, SHORT_BLOCK, (const uint32_t(*)[256])short_shift);
  while (len >= 8) {
    c = _mm_crc32_u64(c, load64(p));
    p += 8;
    len -= 8;
  }
  while (len > 0) {
    c = _mm_crc32_u8((uint32_t)c, *p++);
    len--;
  }
  return (uint32_t)c ^ 0xffffffffu;
}
#endif

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

#ifdef HAVE_SSE42
static napi_value Crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  bool is_typed_array = false;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_typed_array) != napi_ok || !is_typed_array) {
    return throw_type_error(env, "crc32c: expected a Uint8Array");
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    return throw_type_error(env, "crc32c: expected a Uint8Array");
  }
  uint32_t crc = 0;
  if (argc >= 2 && napi_get_value_uint32(env, argv[1], &crc) != napi_ok) {
    return throw_type_error(env, "crc32c: the running CRC must be a number");
  }
  napi_value out;
  if (napi_create_uint32(env, crc32c_sse42(crc, (const uint8_t *)data, length), &out) != napi_ok) return NULL;
  return out;
}
#endif

static napi_value Init(napi_env env, napi_value exports) {
  bool hardware = false;
#ifdef HAVE_SSE42
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) {
    make_shift_table(long_shift, LONG_BLOCK);
    make_shift_table(short_shift, SHORT_BLOCK);
    napi_value fn;
    if (napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, Crc32c, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, "crc32c", fn) != napi_ok) {
      return NULL;
    }
    hardware = true;
  }
#endif
  napi_value flag;
  if (napi_get_boolean(env, hardware, &flag) != napi_ok ||
      napi_set_named_property(env, exports, "hardware", flag) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
