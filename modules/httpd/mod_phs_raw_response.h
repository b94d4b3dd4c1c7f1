/* Response heads written past httpd's request filters get the Set-Cookie
 * rewrite too.
 *
 * mod_proxy_http forwards a backend's 101 Switching Protocols with
 * ap_send_interim_response(), which writes r->headers_out straight to the
 * connection's filters; mod_proxy_wstunnel (ProxyWebsocketFallbackToProxyHttp
 * Off) tunnels the backend's own head; mod_cgi and mod_cgid remove every
 * request filter for nph- scripts.  None of these heads passes the
 * response filter (response.c).  For a request that can send one (it asks
 * for an Upgrade, or runs an nph- script) in a PostHogSecure On scope, a
 * connection filter watches the bytes: it rewrites each head's Set-Cookie
 * fields (cookie.c), watches on after a 1xx other than 101, and steps
 * aside after the first other head, when the response goes through the
 * response filter after all, or when the request ends. */
#ifndef MOD_PHS_RAW_RESPONSE_H
#define MOD_PHS_RAW_RESPONSE_H

#include "mod_phs_conf.h"

#include <util_filter.h>

#define PHS_RAW_RESPONSE_FILTER "POSTHOG_SECURE_RAW_RESPONSE"

/* A head larger than this is refused: the connection is closed. */
#define PHS_RAW_HEAD_MAX 65536

/* Set when the filter is registered (register_hooks). */
extern ap_filter_rec_t *phs_raw_response_filter_handle;

/* insert_filter hook. */
void phs_raw_response_insert_filter(request_rec *r);
apr_status_t phs_raw_response_filter(ap_filter_t *f, apr_bucket_brigade *bb);

/* r's response goes through the response filter, so its head does not
 * leave raw: the watcher of r's connection, if any, steps aside. */
void phs_raw_response_step_aside(request_rec *r);

#endif
