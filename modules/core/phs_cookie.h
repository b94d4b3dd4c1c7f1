/* Set-Cookie rewriting: Secure, HttpOnly and SameSite added where the
 * policy asks and the cookie lacks them, in a header value or in a raw
 * response head.  Pure functions, APR only.
 *
 * A cookie is read as RFC 6265 section 5.2 (and 6265bis) tells browsers
 * to read it, so that what the module takes for an attribute is what a
 * browser takes for one: the name=value pair ends at the first ';', quotes
 * or not; a pair without '=' is a value with an empty name; an attribute
 * value over 1024 bytes makes browsers ignore the attribute; the last
 * SameSite decides, and one with a value other than Lax, Strict or None
 * counts as none. */
#ifndef PHS_COOKIE_H
#define PHS_COOKIE_H

#include <apr_pools.h>
#include <apr_tables.h>

/* One PostHogCookieHttpOnlyExempt pattern, as phs_cookie_pattern_push
 * stores it: a name, or a prefix (written with a trailing `*`). */
typedef struct {
    const char *text;            /* as written */
    apr_size_t len;              /* of the name or prefix, without `*` */
    int prefix;
} phs_cookie_pattern_t;

typedef struct {
    int secure;                  /* add Secure */
    int httponly;                /* add HttpOnly unless the name is exempt */
    /* Names never given HttpOnly (PostHog's frontend reads them): exact
     * names, or prefixes written with a trailing `*` (`ph_*`).  Array of
     * phs_cookie_pattern_t, or NULL. */
    const apr_array_header_t *httponly_exempt;
    const char *samesite;        /* "Lax", "Strict", "None" to add when the
                                    cookie has no SameSite; NULL: leave */
} phs_cookie_policy_t;

/* Warnings a rewrite can raise (bit flags). */
#define PHS_COOKIE_WARN_SAMESITE_NONE_INSECURE 0x1  /* SameSite=None, no Secure */

/* Rewrites one Set-Cookie header value.  Returns `set_cookie` itself (no
 * allocation) when nothing needs adding, else a new string from p.  ORs
 * PHS_COOKIE_WARN_* flags into *warnings (may be NULL). */
const char *phs_cookie_rewrite(apr_pool_t *p, const phs_cookie_policy_t *policy,
                               const char *set_cookie, unsigned *warnings);

/* Adds a pattern that phs_cookie_pattern_check accepts to an array of
 * phs_cookie_pattern_t. */
void phs_cookie_pattern_push(apr_array_header_t *patterns,
                             const char *pattern);

/* The patterns of a space-separated list (the built-in defaults), each
 * as phs_cookie_pattern_push stores it. */
apr_array_header_t *phs_cookie_patterns_parse(apr_pool_t *p,
                                              const char *list);

/* 1 when `name` (len bytes) matches one of the patterns. */
int phs_cookie_name_matches(const apr_array_header_t *patterns,
                            const char *name, apr_size_t len);

/* Checks a PostHogCookieHttpOnlyExempt pattern: a cookie name (RFC 6265
 * token), optionally ending in `*`.  NULL if fine, else a message naming it. */
const char *phs_cookie_pattern_check(apr_pool_t *p, const char *pattern);

#endif
