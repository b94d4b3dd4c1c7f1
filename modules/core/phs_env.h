/* PostHog's environment variables, read as PostHog reads them.  APR only. */
#ifndef PHS_ENV_H
#define PHS_ENV_H

/* PostHog's boolean parsing: y, yes, t, true, on, 1 (any case, surrounding
 * whitespace ignored) are true, anything else false; NULL or empty (or
 * whitespace only) is unset.  Returns 1, 0, or -1 for unset. */
int phs_env_bool(const char *value);

/* 1 when the value counts as set: not NULL, not empty or blank. */
int phs_env_is_set(const char *value);

#endif
