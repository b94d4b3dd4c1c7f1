/* The real client IP behind trusted proxies, and whether a trusted proxy
 * says the request is HTTPS (httpd glue around phs_client_ip). */
#ifndef MOD_PHS_CLIENT_IP_H
#define MOD_PHS_CLIENT_IP_H

#include "mod_phs_conf.h"

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

#endif
