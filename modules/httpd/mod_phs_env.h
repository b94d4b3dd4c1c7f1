/* PostHogFromEnvironment: PostHog's own environment variables configure
 * the module (httpd glue). */
#ifndef MOD_PHS_ENV_H
#define MOD_PHS_ENV_H

#include "mod_phs_conf.h"

int phs_environment_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s);

#endif
