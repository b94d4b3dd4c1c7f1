/* What the backend is told about the client (httpd glue).  With
 * PostHogForwardedHeaders rewrite, the forwarded headers a request carries
 * to mod_proxy or a CGI are the module's verdict, never a client's: PostHog
 * takes the leftmost X-Forwarded-For entry and believes X-Forwarded-Proto
 * with no trust check of its own. */
#ifndef MOD_PHS_FORWARDED_HEADERS_H
#define MOD_PHS_FORWARDED_HEADERS_H

#include "mod_phs_conf.h"

/* PostHogForwardedHeaders rewrite|keep. */
const char *phs_cmd_forwarded_headers(cmd_parms *cmd, void *dconf,
                                      const char *value);

int phs_backend_headers_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                    apr_pool_t *ptemp, server_rec *s);
/* fixups: the forwarded headers of every request_rec, before a handler. */
int phs_backend_headers_rewrite(request_rec *r);

#endif
