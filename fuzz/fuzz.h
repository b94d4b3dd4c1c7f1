/* The fuzz targets' checks and what they share.
 *
 * Each fuzz_NAME.c holds one target: phs_check_NAME, which runs the
 * target's invariants on arbitrary bytes, and (built with PHS_LIBFUZZER)
 * the libFuzzer entry calling it.  A check returns NULL when every
 * invariant held, else a description of the one that broke; it allocates
 * from the pool it is given, cleared by the caller after each input.
 * libFuzzer builds abort on a failure (driver.c);
 * t/unit/test_fuzz_regressions.c replays the regression inputs and the
 * corpora through the same checks. */
#ifndef PHS_FUZZ_H
#define PHS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>
#include <apr_tables.h>

#include "phs_ip_addr.h"

/* A model's hot loop (the linear scan over a generated set): its
 * comparisons say nothing about the code under test and instrumenting them
 * would slow every run down, so it is neither coverage-guided nor
 * sanitized (it reads only the model's own arrays). */
#if defined(PHS_LIBFUZZER) && defined(__clang__)
#define FUZZ_MODEL_HOT_LOOP \
    __attribute__((noinline, no_sanitize("address", "undefined", "coverage")))
#else
#define FUZZ_MODEL_HOT_LOOP
#endif

typedef const char *phs_fuzz_check_fn(apr_pool_t *p, const char *data,
                                      size_t size);

phs_fuzz_check_fn phs_check_ip_addr;
phs_fuzz_check_fn phs_check_ip_set;
phs_fuzz_check_fn phs_check_client_ip;
phs_fuzz_check_fn phs_check_cookie;
phs_fuzz_check_fn phs_check_https;
phs_fuzz_check_fn phs_check_secret_key;
phs_fuzz_check_fn phs_check_path_set;
phs_fuzz_check_fn phs_check_region;
phs_fuzz_check_fn phs_check_whoami;

/* libFuzzer builds: runs one input through a check in a scratch pool and
 * aborts with the failure, if any (driver.c). */
int phs_fuzz_run(phs_fuzz_check_fn *check, const uint8_t *data, size_t size);

/* Copies the modules get: malloc blocks exactly as long as they must be,
 * freed with the pool, so AddressSanitizer sees a read past their end.
 * fuzz_exact_bytes has no NUL; fuzz_exact_string is a C string of the
 * bytes up to len or the first NUL. */
char *fuzz_exact_bytes(apr_pool_t *p, const char *s, size_t len);
char *fuzz_exact_string(apr_pool_t *p, const char *s, size_t len);

/* The input cut at '\n' into exact strings, and line i or `otherwise`. */
apr_array_header_t *fuzz_split_lines(apr_pool_t *p, const char *data,
                                     size_t size);
const char *fuzz_line_at(const apr_array_header_t *lines, int i,
                         const char *otherwise);

/* A failure message, and fuzz text escaped and cut to go into one. */
const char *fuzz_broken(apr_pool_t *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *fuzz_shown(apr_pool_t *p, const char *s);

int fuzz_starts_with(const char *s, const char *prefix);
/* s (len bytes) is the word, ASCII case ignored. */
int fuzz_same_word(const char *s, size_t len, const char *lowercase_word);

int fuzz_ip_equal(const phs_ip_t *a, const phs_ip_t *b);
phs_ip_t fuzz_ip_masked(phs_ip_t ip, unsigned bits);
const char *fuzz_ip_text(apr_pool_t *p, const phs_ip_t *ip);
/* NULL when the address formats and parses back to itself. */
const char *fuzz_ip_round_trip(apr_pool_t *p, const phs_ip_t *ip);

#endif
