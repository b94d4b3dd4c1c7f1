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

int phs_forwarded_headers_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                    apr_pool_t *ptemp, server_rec *s);
/* fixups: the module's forwarded headers on every request_rec, before a
 * handler. */
int phs_forwarded_headers_rewrite(request_rec *r);

/* 1 when a request field must not reach the backend from a client: a
 * signed-IP header in any spelling, and with PostHogForwardedHeaders
 * rewrite a forwarded one. */
int phs_forwarded_header_is_forged(const phs_server_conf_t *conf,
                                   const char *key);
/* 1 when a forwarded header of this name is removed by the list. */
int phs_forwarded_header_listed(const char *name);
/* Removes those fields (post_read_request, once the client is found). */
void phs_forwarded_headers_strip(request_rec *r);

#endif
