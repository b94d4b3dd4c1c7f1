/* PostHog's SECRET_KEY (and the signing keys): the checks PostHog makes
 * and the ones it should.  APR only. */
#ifndef PHS_SECRET_KEY_H
#define PHS_SECRET_KEY_H

#define PHS_SECRET_KEY_PLACEHOLDER "<randomly generated secret key>"
#define PHS_SECRET_KEY_MIN_LENGTH 32
#define PHS_SECRET_KEY_ADVICE "generate one with `openssl rand -hex 32`"

/* NULL when the key is fit for use, else why not (never quoting the key):
 * PostHog's placeholder, shorter than 32 characters, one repeated
 * character, a short repeated pattern, fewer than 8 distinct characters. */
const char *phs_secret_key_problem(const char *key);

#endif
