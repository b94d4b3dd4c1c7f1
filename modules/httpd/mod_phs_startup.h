/* Startup-time helpers: when to report, and reading the parsed
 * configuration tree for what other modules keep private. */
#ifndef MOD_PHS_STARTUP_H
#define MOD_PHS_STARTUP_H

#include <httpd.h>
#include <http_config.h>

/* A warning about the configuration, given once: httpd reads its
 * configuration twice at start, and on the second read stderr goes
 * nowhere until the logs are open.  The warnings wait for post_config of
 * the second read (the error log) or for `apachectl configtest` (the
 * terminal); each restart gives them again.  `message` lives in pconf. */
void phs_startup_warn(server_rec *s, const char *message);

int phs_startup_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp);
int phs_startup_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s);
void phs_startup_test_config(apr_pool_t *pconf, server_rec *s);

/* check_config, first: indexes the configuration tree in one walk, for
 * the questions below (asked during check_config only). */
int phs_startup_index_tree(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s);

/* The first directive named `name` (any case) in the part of the tree that
 * configures s: its <VirtualHost> (sections such as <IfModule> and
 * <Location> included), else the main server's part, which a vhost
 * inherits.  NULL when absent. */
const ap_directive_t *phs_tree_setting(apr_pool_t *p, const server_rec *s,
                                       const char *name);

/* The directive's first argument, unquoted as httpd reads it, or "". */
const char *phs_tree_argument(apr_pool_t *p, const ap_directive_t *d);

/* check_config: the scope traps, as startup warnings (PostHogSecure On only
 * in <Directory> or <Files> sections of a server that proxies). */
int phs_startup_check_scopes(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s);

#endif
