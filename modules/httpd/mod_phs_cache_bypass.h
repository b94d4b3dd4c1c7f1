/* mod_cache's quick handler (CacheQuickHandler On, its default) answers
 * from the cache before any access check runs: a startup warning wherever
 * it can hand a client this module would refuse a page cached for one it
 * allowed. */
#ifndef MOD_PHS_CACHE_BYPASS_H
#define MOD_PHS_CACHE_BYPASS_H

#include "mod_phs_conf.h"

/* check_config: the warning, once per start (the error log) or
 * `apachectl configtest` (the terminal), for every server scope where
 * PostHogSecure On appears. */
int phs_cache_bypass_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                  apr_pool_t *ptemp, server_rec *s);

#endif
