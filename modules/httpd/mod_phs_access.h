/* The access decision (deny-list, exemptions, allow-list, regions): the
 * list directives and the access hooks (httpd glue). */
#ifndef MOD_PHS_ACCESS_H
#define MOD_PHS_ACCESS_H

#include "mod_phs_conf.h"

/* Event ingestion, the health checks, and the SDKs' public calls that
 * carry only the project token; the personal-API-key endpoints below them
 * stay restricted. */
#define PHS_DEFAULT_EXEMPT_PATHS \
    "e i batch capture track engage s decide flags array static " \
    "_health _readyz _livez messaging-preferences " \
    "api/surveys api/product_tours api/early_access_features " \
    "api/web_experiments site_app api/conversations/v1/widget " \
    "!flags/definitions"

/* PostHogAllowedIPBlocks and PostHogBlockedIPBlocks (ITERATE: addresses,
 * or `none`), and their File forms: the phs_blocks_t at the cmd_data
 * offset in the directory record. */
const char *phs_cmd_blocks(cmd_parms *cmd, void *dconf, const char *word);
const char *phs_cmd_blocks_file(cmd_parms *cmd, void *dconf,
                                const char *path);
const char *phs_cmd_deny_message(cmd_parms *cmd, void *dconf,
                                 const char *message);

int phs_access_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp);
/* access_checker: the initial request. */
int phs_access_check(request_rec *r);
/* post_perdir_config: internal redirects and subrequests. */
int phs_access_check_derived(request_rec *r);
/* access_checker_ex and fixups: a denied request_rec stays refused. */
int phs_access_refuse_again(request_rec *r);
/* handler, before any other: a client refused everywhere but at a whoami
 * location is refused after all when another handler is to answer there
 * (a per-directory RewriteRule [P], [H=...]). */
int phs_access_refuse_unheard(request_rec *r);

#endif
