/* Unit tests of the redirect target builder, the vhost-name check and the
 * HSTS value check. */
#include "tap.h"
#include "phs_https.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_array_header_t *list(apr_pool_t *p, const char *const *items)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));

    for (; *items; items++)
        APR_ARRAY_PUSH(a, const char *) = *items;
    return a;
}

static void test_known_hosts(apr_pool_t *p)
{
    static const char *const aliases[] = { "posthog.test", "Alias.Test", NULL };
    static const struct { const char *host; int known; } cases[] = {
        { "localhost", 1 }, { "LOCALHOST", 1 }, { "posthog.test", 1 },
        { "alias.test", 1 }, { "eu.wild.test", 0 }, { "a.b.wild.test", 0 },
        { "wild.test", 0 }, { "evil.example", 0 }, { "localhost.evil", 0 },
        { "posthog.test.evil", 0 }, { "", 0 }, { NULL, 0 },
        { "evil.wild.test.example", 0 }, { "::1", 0 }, { "*.wild.test", 0 },
    };
    apr_array_header_t *names = list(p, aliases);
    size_t i;

    /* A wildcard alias (httpd keeps those apart, in wild_names) is never
     * asked: the hosts it matches are the client's choice. */
    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        tap_ok(phs_host_is_known(cases[i].host, "localhost", names)
               == cases[i].known, "host '%s' is %s", cases[i].host
               ? cases[i].host : "(null)", cases[i].known ? "known" : "foreign");
    tap_ok(!phs_host_is_known("x", NULL, NULL), "no names: nothing known");
}

static void test_locations(apr_pool_t *p)
{
    tap_is_str(phs_https_location(p, "posthog.example.com", 443, "/api/x?y=%2F"),
               "https://posthog.example.com/api/x?y=%2F", "port 443 is left out");
    tap_is_str(phs_https_location(p, "localhost", 8443, "/a%20b/%C3%A9"),
               "https://localhost:8443/a%20b/%C3%A9", "other ports are kept, bytes too");
    tap_is_str(phs_https_location(p, "::1", 443, "/"), "https://[::1]/",
               "an IPv6 literal gets brackets");
    tap_is_str(phs_https_location(p, "[::1]", 8443, "/"), "https://[::1]:8443/",
               "a bracketed literal is not bracketed twice");
    tap_is_str(phs_origin_target(p, "/e/?ip=1"), "/e/?ip=1", "origin form kept");
    tap_is_str(phs_origin_target(p, "//evil.example/x"), "//evil.example/x",
               "a path starting with // is a path");
    tap_is_str(phs_origin_target(p, "http://host:80/a%2Fb?q=1"), "/a%2Fb?q=1",
               "absolute form: path and query, still encoded");
    tap_is_str(phs_origin_target(p, "http://host"), NULL, "absolute form without a path");
    tap_is_str(phs_origin_target(p, "*"), NULL, "asterisk form is not redirected");
    tap_is_str(phs_origin_target(p, NULL), NULL, "no target");
}

static void test_hsts(apr_pool_t *p)
{
    static const char *const good[] = {
        "max-age=31536000", "max-age=0", "max-age=600; includeSubDomains",
        "max-age=600; includeSubDomains; preload", "MAX-AGE=1;PRELOAD",
        " max-age=5 ; includesubdomains ",
    };
    static const char *const bad[] = {
        "", "includeSubDomains", "max-age=", "max-age=-1", "max-age=1x",
        "max-age=1; max-age=2", "max-age=1; preload; preload", "max-age=1; foo",
        "max-age = 1", "max-age=1, includeSubDomains", "Off-ish",
    };
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(*good); i++)
        tap_ok(phs_hsts_check(p, good[i]) == NULL, "HSTS '%s' is valid", good[i]);
    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const char *err = phs_hsts_check(p, bad[i]);
        tap_ok(err && strstr(err, bad[i]), "HSTS '%s' is refused, named: %s",
               bad[i], err ? err : "(accepted)");
    }
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_known_hosts(p);
    test_locations(p);
    test_hsts(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
