/* The module's counters: one record per virtual host, shared by every
 * process (the records live in shared memory), added to atomically; and
 * their text for Prometheus and for mod_status.  APR only. */
#ifndef PHS_METRICS_H
#define PHS_METRICS_H

#include <apr_pools.h>
#include <apr_atomic.h>
#include <apr_time.h>

typedef enum {
    PHS_COUNT_ALLOWED,
    PHS_COUNT_EXEMPT,
    PHS_COUNT_DENIED_NOT_ALLOWED,    /* not in PostHogAllowedIPBlocks */
    PHS_COUNT_DENIED_DENY_LISTED,    /* in PostHogBlockedIPBlocks */
    PHS_COUNT_DENIED_REGION,         /* PostHogBlockedGeoIPRegions */
    PHS_COUNT_DENIED_CLIENT_UNKNOWN, /* the client address is unknown */
    PHS_COUNT_HTTPS_REDIRECTS,
    PHS_COUNT_COOKIES_REWRITTEN,     /* Set-Cookie fields changed */
    PHS_COUNT_FORGED_HEADERS_REMOVED,/* client-sent signed-IP fields */
    /* PostHogReportOnly On: what would have been denied, served; the
     * reasons in the order of the denials above. */
    PHS_COUNT_WOULD_DENY_NOT_ALLOWED,
    PHS_COUNT_WOULD_DENY_DENY_LISTED,
    PHS_COUNT_WOULD_DENY_REGION,
    PHS_COUNT_WOULD_DENY_CLIENT_UNKNOWN,
    PHS_COUNTERS
} phs_counter_t;

/* The denials, in phs_counter_t order from PHS_COUNT_DENIED_NOT_ALLOWED,
 * and likewise the would-be denials. */
#define PHS_DENIAL_REASONS 4

/* The would-be denial of a denial counter. */
#define PHS_WOULD_DENY(denied) \
    ((phs_counter_t)(PHS_COUNT_WOULD_DENY_NOT_ALLOWED \
                     + ((denied) - PHS_COUNT_DENIED_NOT_ALLOWED)))

/* One vhost's counters.  Two cache lines, so that processes counting for
 * two vhosts never write to the same line; they hold 16 counters. */
typedef union {
    volatile apr_uint64_t count[PHS_COUNTERS];
    char pad[128];
} phs_counters_t;

static APR_INLINE void phs_counters_add(phs_counters_t *counters,
                                        phs_counter_t which, apr_uint64_t n)
{
    apr_atomic_add64(&counters->count[which], n);
}

/* What is shown for one vhost: its label ("name:port") and its values. */
typedef struct {
    const char *vhost;
    apr_uint64_t count[PHS_COUNTERS];
} phs_counters_row_t;

/* The values of `counters`, each read atomically, into row->count. */
void phs_counters_read(const phs_counters_t *counters,
                       phs_counters_row_t *row);

/* A counter's name in mod_status's machine-readable report
 * ("denied_region"). */
const char *phs_counter_name(phs_counter_t which);

/* The Prometheus text exposition (format 0.0.4) of `n` rows, with # HELP
 * and # TYPE lines, and when the counters started (`since`). */
const char *phs_metrics_prometheus(apr_pool_t *p,
                                   const phs_counters_row_t *rows, int n,
                                   apr_time_t since);

/* A Prometheus label value: backslash, double quote and newline escaped. */
const char *phs_metrics_label_value(apr_pool_t *p, const char *value);

#endif
