/* mod_cache's quick handler (CacheQuickHandler On, its default) answers
 * from the cache before any access check runs: a startup warning wherever
 * it can hand a client this module would refuse a page cached for one it
 * allowed. */
#ifndef PHS_CACHE_BYPASS_H
#define PHS_CACHE_BYPASS_H

#include "phs_conf.h"

/* The same check where each start reports it: the error log when httpd
 * starts, the terminal for `apachectl configtest`. */
int phs_cache_bypass_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s);
void phs_cache_bypass_test_config(apr_pool_t *pconf, server_rec *s);

#endif
