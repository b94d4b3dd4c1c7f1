/* What the module tells its operators (httpd glue around phs_metrics and
 * phs_whoami): counters per virtual host in shared memory, shown by
 * mod_status and, as Prometheus text, by `SetHandler
 * posthog-secure-metrics`; the requester's own diagnosis by `SetHandler
 * posthog-secure-whoami`; each client request's verdict counted once. */
#ifndef MOD_PHS_REPORT_H
#define MOD_PHS_REPORT_H

#include "mod_phs_config.h"
#include "phs_metrics.h"

/* post_config: a record for each vhost where PostHogSecure On appears
 * (vhosts of one name:port share it), all zero. */
int mod_phs_report_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                               server_rec *s);

/* Adds n to one of s's counters (nothing where it has none). */
void mod_phs_count(const server_rec *s, phs_counter_t which, apr_uint64_t n);

/* handler, before mod_proxy's: the two pages, answered inside a
 * `ProxyPass /` vhost too. */
int mod_phs_report_handler(request_rec *r);
/* mod_status's status_hook (HTML and ?auto). */
int mod_phs_report_status(request_rec *r, int flags);
/* log_transaction: counts a client request's verdict once, internal
 * redirects included: its first refusal, else its first verdict. */
int mod_phs_report_log_transaction(request_rec *r);

#endif
