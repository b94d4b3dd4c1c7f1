/* HTTPS everywhere: the HTTP to HTTPS redirect and HSTS (httpd glue around
 * https_redirect.c). */
#ifndef MOD_PHS_HTTPS_H
#define MOD_PHS_HTTPS_H

#include "mod_phs_conf.h"

#define PHS_DEFAULT_REDIRECT_EXEMPT "_health _readyz _livez"

const char *phs_cmd_https_port(cmd_parms *cmd, void *dconf,
                               const char *value);
const char *phs_cmd_canonical_host(cmd_parms *cmd, void *dconf,
                                   const char *value);
const char *phs_cmd_hsts(cmd_parms *cmd, void *dconf, const char *value);

int phs_https_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp);
int phs_https_redirect(request_rec *r);
void phs_hsts_add(request_rec *r);

#endif
