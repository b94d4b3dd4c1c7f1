/* Secure cookies: directives and the Set-Cookie rewrite of a response
 * (httpd glue around phs_cookie; mod_phs_response calls it from its
 * filter, mod_phs_raw_response for heads written past it). */
#ifndef MOD_PHS_COOKIE_H
#define MOD_PHS_COOKIE_H

#include "mod_phs_conf.h"
#include "phs_raw_response.h"
#include "phs_cookie.h"

const char *phs_cmd_httponly_exempt(cmd_parms *cmd, void *dconf,
                                    const char *word);
const char *phs_cmd_samesite(cmd_parms *cmd, void *dconf, const char *value);

/* Whether Secure is added in this request's scope (Auto: PostHog's rule). */
int phs_secure_cookies_on(const request_rec *r);

/* Rewrites every Set-Cookie of r->headers_out and r->err_headers_out. */
void phs_cookies_rewrite(request_rec *r);

/* Rewrites every Set-Cookie of r->trailers_out, which mod_http2 sends as
 * the response's trailers once the body is through (a backend's chunked
 * trailers, passed on by mod_proxy_http). */
void phs_cookies_rewrite_trailers(request_rec *r);

/* Rewrites the Set-Cookie fields of a response head that leaves past the
 * header table (raw_response.c) with the cookie policy of r's scope. */
void phs_cookies_rewrite_raw_head(request_rec *r, const char *head,
                                  apr_size_t len, phs_raw_head_t *out);

#endif
