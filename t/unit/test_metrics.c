/* Unit tests of the counters and their Prometheus text. */
#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "phs_metrics.h"

static void test_counters(void)
{
    phs_counters_t counters;
    phs_counters_row_t row;
    int i, zero = 1;

    memset(&counters, 0, sizeof(counters));
    tap_ok(sizeof(phs_counters_t) == 128, "a record is two cache lines");
    phs_counters_add(&counters, PHS_COUNT_ALLOWED, 1);
    phs_counters_add(&counters, PHS_COUNT_ALLOWED, 1);
    phs_counters_add(&counters, PHS_COUNT_COOKIES_REWRITTEN, 3);
    phs_counters_add(&counters, PHS_COUNT_FORGED_HEADERS_REMOVED,
                     APR_UINT64_C(5000000000));
    phs_counters_read(&counters, &row);
    tap_ok(row.count[PHS_COUNT_ALLOWED] == 2, "allowed: 2");
    tap_ok(row.count[PHS_COUNT_COOKIES_REWRITTEN] == 3, "cookies: 3");
    tap_ok(row.count[PHS_COUNT_FORGED_HEADERS_REMOVED] == APR_UINT64_C(5000000000),
           "64 bits");
    for (i = 0; i < PHS_COUNTERS; i++)
        if (i != PHS_COUNT_ALLOWED && i != PHS_COUNT_COOKIES_REWRITTEN
            && i != PHS_COUNT_FORGED_HEADERS_REMOVED && row.count[i])
            zero = 0;
    tap_ok(zero, "the others stay 0");
    tap_is_str(phs_counter_name(PHS_COUNT_DENIED_REGION), "denied_region",
               "counter names");
    tap_is_str(phs_counter_name(PHS_COUNT_FORGED_HEADERS_REMOVED),
               "forged_headers_removed", "the last counter's name");
}

static void test_label(apr_pool_t *p)
{
    tap_is_str(phs_metrics_label_value(p, "a\\b\"c\nd"), "a\\\\b\\\"c\\nd",
               "backslash, quote and newline escaped");
    tap_is_str(phs_metrics_label_value(p, "posthog.example:443"),
               "posthog.example:443", "a plain label as it is");
}

static int has_line(const char *text, const char *line)
{
    const char *found = strstr(text, line);
    size_t len = strlen(line);

    return found && (found == text || found[-1] == '\n') && found[len] == '\n';
}

static void test_prometheus(apr_pool_t *p)
{
    phs_counters_row_t rows[2];
    const char *text;
    int i;

    memset(rows, 0, sizeof(rows));
    rows[0].vhost = "posthog.example:443";
    rows[1].vhost = "odd\"name:80";
    for (i = 0; i < PHS_COUNTERS; i++) {
        rows[0].count[i] = (apr_uint64_t)(i + 1);
        rows[1].count[i] = (apr_uint64_t)(100 * (i + 1));
    }
    text = phs_metrics_prometheus(p, rows, 2, apr_time_from_sec(1700000000));
    tap_ok(has_line(text, "# TYPE posthog_secure_requests_total counter"),
           "requests_total is a counter");
    tap_ok(has_line(text, "posthog_secure_requests_total{vhost=\"posthog.example:443\",verdict=\"allowed\"} 1"),
           "allowed");
    tap_ok(has_line(text, "posthog_secure_requests_total{vhost=\"posthog.example:443\",verdict=\"exempt\"} 2"),
           "exempt");
    tap_ok(has_line(text, "posthog_secure_requests_total{vhost=\"posthog.example:443\",verdict=\"denied\"} 18"),
           "denied: the sum of the four reasons (3+4+5+6)");
    tap_ok(has_line(text, "posthog_secure_denied_total{vhost=\"posthog.example:443\",reason=\"not_allowed\"} 3")
           && has_line(text, "posthog_secure_denied_total{vhost=\"posthog.example:443\",reason=\"deny_listed\"} 4")
           && has_line(text, "posthog_secure_denied_total{vhost=\"posthog.example:443\",reason=\"region\"} 5")
           && has_line(text, "posthog_secure_denied_total{vhost=\"posthog.example:443\",reason=\"client_unknown\"} 6"),
           "the denials by reason");
    tap_ok(has_line(text, "posthog_secure_https_redirects_total{vhost=\"posthog.example:443\"} 7")
           && has_line(text, "posthog_secure_cookies_rewritten_total{vhost=\"posthog.example:443\"} 8")
           && has_line(text, "posthog_secure_forged_headers_removed_total{vhost=\"posthog.example:443\"} 9"),
           "redirects, cookies, forged headers");
    tap_ok(has_line(text, "posthog_secure_requests_total{vhost=\"posthog.example:443\",verdict=\"report-only\"} 46"),
           "report-only: the sum of the four would-be denials (10+11+12+13)");
    tap_ok(has_line(text, "posthog_secure_would_deny_total{vhost=\"posthog.example:443\",reason=\"not_allowed\"} 10")
           && has_line(text, "posthog_secure_would_deny_total{vhost=\"posthog.example:443\",reason=\"deny_listed\"} 11")
           && has_line(text, "posthog_secure_would_deny_total{vhost=\"posthog.example:443\",reason=\"region\"} 12")
           && has_line(text, "posthog_secure_would_deny_total{vhost=\"posthog.example:443\",reason=\"client_unknown\"} 13"),
           "the would-be denials by reason");
    tap_ok(PHS_WOULD_DENY(PHS_COUNT_DENIED_REGION) == PHS_COUNT_WOULD_DENY_REGION
           && PHS_WOULD_DENY(PHS_COUNT_DENIED_CLIENT_UNKNOWN)
              == PHS_COUNT_WOULD_DENY_CLIENT_UNKNOWN,
           "each denial has its would-be twin");
    tap_ok(has_line(text, "posthog_secure_requests_total{vhost=\"odd\\\"name:80\",verdict=\"allowed\"} 100"),
           "the second vhost, its label escaped");
    tap_ok(has_line(text, "# TYPE posthog_secure_counters_start_time_seconds gauge")
           && has_line(text, "posthog_secure_counters_start_time_seconds 1700000000"),
           "the start time, a gauge");
    tap_ok(strstr(text, "# HELP posthog_secure_denied_total ") != NULL,
           "HELP lines");
    text = phs_metrics_prometheus(p, rows, 0, 0);
    tap_ok(strstr(text, "{") == NULL
           && has_line(text, "# TYPE posthog_secure_requests_total counter"),
           "no vhost: the families without samples");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_counters();
    test_label(p);
    test_prometheus(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
