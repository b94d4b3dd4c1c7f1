/* Raw response heads: the bytes of an HTTP/1.x head that leave past
 * httpd's header table (a 101 that mod_proxy_http forwards with
 * ap_send_interim_response(), a tunnelled backend's head, an nph- script's
 * output), read as browsers read them, their Set-Cookie fields rewritten.
 * APR only. */
#ifndef PHS_RAW_RESPONSE_H
#define PHS_RAW_RESPONSE_H

#include "phs_cookie.h"

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
    int rewritten;               /* those phs_cookie_rewrite changed */
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

#endif
