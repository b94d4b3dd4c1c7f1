/* The module's counters per virtual host, in shared memory: counted by
 * every child, shown by mod_status and, as Prometheus text, by
 * `SetHandler posthog-secure-metrics` (httpd glue around phs_metrics). */
#ifndef MOD_PHS_METRICS_H
#define MOD_PHS_METRICS_H

#include "mod_phs_conf.h"
#include "phs_metrics.h"

#define PHS_METRICS_HANDLER "posthog-secure-metrics"

/* post_config: a record for each vhost where PostHogSecure On appears
 * (vhosts of one name:port share it), all zero. */
int phs_metrics_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s);

/* Adds n to one of this vhost's counters (nothing where it has none). */
void phs_metrics_count(const server_rec *s, phs_counter_t which,
                       apr_uint64_t n);

/* log_transaction: counts a client request's verdict once, internal
 * redirects included: its first refusal, else its first verdict. */
int phs_metrics_log_transaction(request_rec *r);

/* The handler, and mod_status's status_hook (HTML and ?auto). */
int phs_metrics_handler(request_rec *r);
int phs_metrics_status(request_rec *r, int flags);

#endif
