#include "phs_metrics.h"

#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

static const char *const counter_names[PHS_COUNTERS] = {
    "allowed", "exempt", "denied_not_allowed", "denied_deny_listed",
    "denied_region", "denied_client_unknown", "https_redirects",
    "cookies_rewritten", "forged_headers_removed",
    "would_deny_not_allowed", "would_deny_deny_listed", "would_deny_region",
    "would_deny_client_unknown"
};

typedef char counters_fit_their_lines[PHS_COUNTERS * sizeof(apr_uint64_t)
                                      <= sizeof(phs_counters_t) ? 1 : -1];

/* The `reason` label of each denial. */
static const char *const denial_reasons[PHS_DENIAL_REASONS] = {
    "not_allowed", "deny_listed", "region", "client_unknown"
};

/* The counters that are a metric of their own, without a second label. */
static const struct {
    phs_counter_t which;
    const char *name, *help;
} single[] = {
    { PHS_COUNT_HTTPS_REDIRECTS, "posthog_secure_https_redirects_total",
      "Plain HTTP requests redirected to HTTPS." },
    { PHS_COUNT_COOKIES_REWRITTEN, "posthog_secure_cookies_rewritten_total",
      "Set-Cookie fields given Secure, HttpOnly or SameSite." },
    { PHS_COUNT_FORGED_HEADERS_REMOVED,
      "posthog_secure_forged_headers_removed_total",
      "Client-sent signed client-IP fields (X-PostHog-Client-IP and its "
      "timestamp and signature) removed." },
};

const char *phs_counter_name(phs_counter_t which)
{
    return counter_names[which];
}

void phs_counters_read(const phs_counters_t *counters,
                       phs_counters_row_t *row)
{
    int i;

    for (i = 0; i < PHS_COUNTERS; i++)
        row->count[i] = apr_atomic_read64(
            (volatile apr_uint64_t *)&counters->count[i]);
}

const char *phs_metrics_label_value(apr_pool_t *p, const char *value)
{
    char *out = apr_palloc(p, 2 * strlen(value) + 1), *w = out;

    for (; *value; value++) {
        if (*value == '\\' || *value == '"')
            *w++ = '\\';
        else if (*value == '\n') {
            *w++ = '\\';
            *w++ = 'n';
            continue;
        }
        *w++ = *value;
    }
    *w = '\0';
    return out;
}

static void family(apr_array_header_t *out, const char *name,
                   const char *type, const char *help)
{
    APR_ARRAY_PUSH(out, const char *) =
        apr_pstrcat(out->pool, "# HELP ", name, " ", help, "\n# TYPE ",
                    name, " ", type, "\n", NULL);
}

/* One sample line; `label` and `value` a second label, or NULL. */
static void sample(apr_array_header_t *out, const char *name,
                   const char *vhost, const char *label, const char *value,
                   apr_uint64_t count)
{
    const char *second = label ? apr_pstrcat(out->pool, ",", label, "=\"",
                                             value, "\"", NULL) : "";

    APR_ARRAY_PUSH(out, const char *) =
        apr_psprintf(out->pool, "%s{vhost=\"%s\"%s} %" APR_UINT64_T_FMT "\n",
                     name, vhost, second, count);
}

/* The denials (or would-be denials) of every reason, from `first`. */
static apr_uint64_t reasons_sum(const phs_counters_row_t *row,
                                phs_counter_t first)
{
    apr_uint64_t sum = 0;
    int i;

    for (i = 0; i < PHS_DENIAL_REASONS; i++)
        sum += row->count[first + i];
    return sum;
}

/* A family of one counter by reason, from `first`. */
static void by_reason(apr_array_header_t *out, const char *name,
                      const char *help, const phs_counters_row_t *rows,
                      const char *const *vhost, int n, phs_counter_t first)
{
    int i, j;

    family(out, name, "counter", help);
    for (i = 0; i < n; i++)
        for (j = 0; j < PHS_DENIAL_REASONS; j++)
            sample(out, name, vhost[i], "reason", denial_reasons[j],
                   rows[i].count[first + j]);
}

const char *phs_metrics_prometheus(apr_pool_t *p,
                                   const phs_counters_row_t *rows, int n,
                                   apr_time_t since)
{
    static const char requests[] = "posthog_secure_requests_total";
    static const char denied[] = "posthog_secure_denied_total";
    static const char would_deny[] = "posthog_secure_would_deny_total";
    static const char started[] = "posthog_secure_counters_start_time_seconds";
    apr_array_header_t *out = apr_array_make(p, 16 + 10 * n, sizeof(char *));
    const char **vhost = apr_palloc(p, sizeof(char *) * (n ? n : 1));
    int i, j;

    for (i = 0; i < n; i++)
        vhost[i] = phs_metrics_label_value(p, rows[i].vhost);
    family(out, requests, "counter", "Requests decided by the access check "
           "(each client request once, by the last verdict), by verdict: "
           "allowed, exempt (an exempt path or PostHogIPRestriction Off), "
           "denied, or report-only (would have been denied; served under "
           "PostHogReportOnly On).");
    for (i = 0; i < n; i++) {
        sample(out, requests, vhost[i], "verdict", "allowed",
               rows[i].count[PHS_COUNT_ALLOWED]);
        sample(out, requests, vhost[i], "verdict", "exempt",
               rows[i].count[PHS_COUNT_EXEMPT]);
        sample(out, requests, vhost[i], "verdict", "denied",
               reasons_sum(&rows[i], PHS_COUNT_DENIED_NOT_ALLOWED));
        sample(out, requests, vhost[i], "verdict", "report-only",
               reasons_sum(&rows[i], PHS_COUNT_WOULD_DENY_NOT_ALLOWED));
    }
    by_reason(out, denied, "Requests denied, by reason: not_allowed (not in "
              "the allow-list), deny_listed, region, client_unknown.", rows,
              vhost, n, PHS_COUNT_DENIED_NOT_ALLOWED);
    by_reason(out, would_deny, "Requests PostHogReportOnly On served that "
              "would have been denied, by reason, as "
              "posthog_secure_denied_total.", rows, vhost, n,
              PHS_COUNT_WOULD_DENY_NOT_ALLOWED);
    for (j = 0; j < (int)(sizeof(single) / sizeof(*single)); j++) {
        family(out, single[j].name, "counter", single[j].help);
        for (i = 0; i < n; i++)
            sample(out, single[j].name, vhost[i], NULL, NULL,
                   rows[i].count[single[j].which]);
    }
    family(out, started, "gauge", "When these counters started from zero "
           "(Unix time): httpd's start or its last restart, graceful "
           "included.");
    APR_ARRAY_PUSH(out, const char *) =
        apr_psprintf(p, "%s %" APR_TIME_T_FMT "\n", started,
                     apr_time_sec(since));
    return apr_array_pstrcat(p, out, '\0');
}
