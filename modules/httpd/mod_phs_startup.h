/* Starting and restarting (httpd glue): the configuration read checked
 * and completed in a visible order, the warnings about settings that look
 * safe and are not, the counters made, the version said. */
#ifndef MOD_PHS_STARTUP_H
#define MOD_PHS_STARTUP_H

#include <httpd.h>
#include <http_config.h>

/* A warning about the configuration, given once: httpd reads its
 * configuration twice at start, and on the second read stderr goes
 * nowhere until the logs are open.  The warnings wait for post_config of
 * the second read (the error log) or for `apachectl configtest` (the
 * terminal); each restart gives them again.  `message` lives in pconf;
 * the vhost is added to it. */
void mod_phs_startup_warn(server_rec *s, const char *message);

int mod_phs_startup_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp);
int mod_phs_startup_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s);
int mod_phs_startup_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s);
void mod_phs_startup_test_config(apr_pool_t *pconf, server_rec *s);

#endif
