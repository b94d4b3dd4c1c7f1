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

/* The <VirtualHost> node that defined s, or NULL for the main server. */
const ap_directive_t *phs_tree_vhost_of(const server_rec *s);

/* The first directive named `name` in one server scope: the main server
 * (vhost NULL: the whole tree, virtual hosts excluded) or a virtual host,
 * sections (<IfModule>, <Location>...) included.  NULL when absent. */
const ap_directive_t *phs_tree_find(const ap_directive_t *vhost,
                                    const char *name);

/* The directive's first argument, unquoted as httpd reads it, or "". */
const char *phs_tree_argument(apr_pool_t *p, const ap_directive_t *d);

/* 1 for a <VirtualHost> node. */
int phs_tree_is_vhost(const ap_directive_t *d);

#endif
