/* Secure cookies: directives and the Set-Cookie rewrite of a response
 * (httpd glue around cookie.c; response.c calls it from its filter). */
#ifndef PHS_SECURE_COOKIES_H
#define PHS_SECURE_COOKIES_H

#include "phs_conf.h"

#define PHS_DEFAULT_HTTPONLY_EXEMPT "posthog_csrftoken csrftoken ph_*"

const char *phs_cmd_httponly_exempt(cmd_parms *cmd, void *dconf,
                                    const char *word);
const char *phs_cmd_samesite(cmd_parms *cmd, void *dconf, const char *value);

int phs_cookies_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp);
/* Whether Secure is added in this request's scope (Auto: PostHog's rule). */
int phs_secure_cookies_on(const request_rec *r);

/* Rewrites every Set-Cookie of r->headers_out and r->err_headers_out. */
void phs_cookies_rewrite(request_rec *r);

#endif
