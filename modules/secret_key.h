/* PostHog's SECRET_KEY: the checks PostHog makes and the ones it should,
 * the environment's values parsed PostHog's way, and the HMAC that signs
 * the client IP for the backend.  APR and OpenSSL only. */
#ifndef PHS_SECRET_KEY_H
#define PHS_SECRET_KEY_H

#include <apr_pools.h>
#include <apr_time.h>

#define PHS_SECRET_KEY_PLACEHOLDER "<randomly generated secret key>"
#define PHS_SECRET_KEY_MIN_LENGTH 32
#define PHS_SECRET_KEY_ADVICE "generate one with `openssl rand -hex 32`"

/* NULL when the key is fit for use, else why not (never quoting the key):
 * PostHog's placeholder, shorter than 32 characters, one repeated
 * character, a short repeated pattern, fewer than 8 distinct characters. */
const char *phs_secret_key_problem(const char *key);

/* PostHog's boolean parsing: y, yes, t, true, on, 1 (any case, surrounding
 * whitespace ignored) are true, anything else false; NULL or empty (or
 * whitespace only) is unset.  Returns 1, 0, or -1 for unset. */
int phs_env_bool(const char *value);

/* 1 when the value counts as set: not NULL, not empty or blank. */
int phs_env_is_set(const char *value);

/* Lowercase hex HMAC-SHA256(key, "<ip>:<seconds>"), 64 characters. */
const char *phs_client_ip_signature(apr_pool_t *p, const char *key,
                                    const char *ip, apr_int64_t seconds);

#endif
