/* The HTTP to HTTPS redirect target and the HSTS value: pure functions,
 * APR only. */
#ifndef PHS_HTTPS_H
#define PHS_HTTPS_H

#include <apr_pools.h>
#include <apr_tables.h>

/* 1 when `host` (no port) is the server name or one of its literal
 * aliases, case-insensitively.  A wildcard alias (`*.example.com`,
 * `posthog.example.*`, `*`) never makes a host known: the client chose
 * it, and a redirect to it would be an open redirect.  NULL or empty hosts
 * are never known. */
int phs_host_is_known(const char *host, const char *server_name,
                      const apr_array_header_t *names);

/* `https://HOST[:PORT]TARGET`: the port is left out when 443; an IPv6
 * literal host gets brackets; the target (path and query as the client sent
 * them, starting with `/`) is copied byte for byte. */
const char *phs_https_location(apr_pool_t *p, const char *host,
                               unsigned port, const char *target);

/* The origin-form target (`/path?query`, still encoded) of a request
 * target as sent: itself when it starts with `/`, the path and query of an
 * absolute URI, else NULL (`*`, garbage). */
const char *phs_origin_target(apr_pool_t *p, const char *request_target);

/* Checks a Strict-Transport-Security value: `max-age=N` (decimal), then
 * optionally `includeSubDomains` and `preload`, separated by `;`, each at
 * most once, any case.  NULL if fine, else a message naming the token. */
const char *phs_hsts_check(apr_pool_t *p, const char *value);

#endif
