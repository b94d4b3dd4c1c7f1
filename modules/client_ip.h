/* The real client IP behind trusted proxies, and whether a request is
 * HTTPS (httpd glue around forwarded.c). */
#ifndef PHS_CLIENT_IP_H
#define PHS_CLIENT_IP_H

#include "phs_conf.h"

#define PHS_DEFAULT_CLIENT_IP_HEADER "X-Forwarded-For"
#define PHS_DEFAULT_PROTO_HEADER "X-Forwarded-Proto"
#define PHS_PROXY_IPS_NOTE "posthog-proxy-ips"

const char *phs_cmd_trusted_proxies(cmd_parms *cmd, void *dconf,
                                    const char *word);
const char *phs_cmd_trusted_proxies_file(cmd_parms *cmd, void *dconf,
                                         const char *path);
const char *phs_cmd_proxy_hops(cmd_parms *cmd, void *dconf,
                               const char *value);

/* check_config: what each vhost believes; refuses a header that
 * mod_remoteip consumes too. */
int phs_client_ip_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s);
int phs_client_ip_resolve(request_rec *r);

/* This request_rec's record, created on first use. */
phs_request_t *phs_request_state(request_rec *r);
/* The record of the initial request, which holds the client's state. */
const phs_request_t *phs_client_state(request_rec *r);
int phs_request_is_https(request_rec *r);
/* The address the client-IP walk started from (for logs). */
const char *phs_peer_ip(request_rec *r);

#endif
