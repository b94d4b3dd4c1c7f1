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

typedef struct {
    int secure;                  /* add Secure */
    int httponly;                /* add HttpOnly unless the name is exempt */
    /* Names never given HttpOnly (PostHog's frontend reads them): exact
     * names, or prefixes written with a trailing `*` (`ph_*`).  Array of
     * const char *, or NULL. */
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

/* Raw response heads: the bytes of an HTTP/1.x head that leave past
 * httpd's header table (a 101 that mod_proxy_http forwards with
 * ap_send_interim_response(), a tunnelled backend's head, an nph- script's
 * output), read as browsers read them. */

/* What the first bytes of a raw response tell. */
typedef enum {
    PHS_RAW_HEAD_INCOMPLETE,     /* may be a head; its end is not there yet */
    PHS_RAW_HEAD_COMPLETE,       /* a whole head */
    PHS_RAW_HEAD_NOT_HTTP        /* does not begin with "HTTP" */
} phs_raw_head_found_t;

/* Looks for the empty line (LF LF or LF CR LF) that ends the head at the
 * start of `bytes`; with PHS_RAW_HEAD_COMPLETE, *head_len is the length of
 * the head, that line included.  The first `scanned` bytes were looked at
 * before and held no end (0 the first time). */
phs_raw_head_found_t phs_raw_head_find(const char *bytes, apr_size_t len,
                                       apr_size_t scanned,
                                       apr_size_t *head_len);

typedef struct {
    const char *text;            /* the head to send; `head` itself when
                                    nothing changed */
    apr_size_t len;
    int interim;                 /* a browser reads another head after this
                                    one: 1xx but 101, or a status line it
                                    may read so */
    int cookies;                 /* Set-Cookie fields seen */
} phs_raw_head_t;

/* Rewrites every Set-Cookie field of a head (`len` bytes, what
 * phs_raw_head_find found, or the bytes of a head cut short) with
 * phs_cookie_rewrite.  So that every browser reads the same fields as the
 * module, NUL and CR not before LF become spaces (RFC 9110 5.5, RFC 9112
 * 2.2), a Set-Cookie folded on several lines goes out on one, and a line
 * starting with a blank that continues no field is dropped (RFC 9112 2.2).
 * Everything else is kept byte for byte.  ORs PHS_COOKIE_WARN_* flags into
 * *warnings (may be NULL). */
void phs_raw_head_rewrite(apr_pool_t *p, const phs_cookie_policy_t *policy,
                          const char *head, apr_size_t len,
                          phs_raw_head_t *out, unsigned *warnings);

/* 1 when `name` (len bytes) matches one of the patterns. */
int phs_cookie_name_matches(const apr_array_header_t *patterns,
                            const char *name, apr_size_t len);

/* Checks a PostHogCookieHttpOnlyExempt pattern: a cookie name (RFC 6265
 * token), optionally ending in `*`.  NULL if fine, else a message naming it. */
const char *phs_cookie_pattern_check(apr_pool_t *p, const char *pattern);

#endif
