/* Unit tests of the exempt-segment sets and the first-segment test. */
#include "tap.h"
#include "path_segment.h"

#include <apr_general.h>

static apr_hash_t *ingestion;

static void expect(const char *path, int want)
{
    tap_ok(phs_path_first_segment_in(ingestion, path) == want, "%s %s", path,
           want ? "is exempt" : "is not exempt");
}

static void test_matching(void)
{
    static const char *const exempt[] = {
        "/e", "/e/", "/e/x", "/e/x/y", "/batch", "/batch/", "/capture/",
        "/decide/", "/static/app.js", "/_health", "/i/v0/e/",
        "/messaging-preferences/x", "/s/", "/e/?", "/e//x",
    };
    static const char *const restricted[] = {
        "/", "", "e", "/events", "/e.js", "/E/", "/E", "/static-admin",
        "/decide2", "/admin", "/api/projects", "//e", "/ e", "/e ",
        "/e/../admin", "/e/..", "/e/x/..%2fadmin", "/e/..%2Fadmin",
        "/e/%2fadmin", "/e/%5cadmin", "/e\\..\\admin", "/e/..\\admin",
        "/e;/x", "/e%2f", "/_healthz", "/batch.php", "/%65/",
        "/e/..;/admin", "/messaging-preferences2",
    };
    size_t i;

    for (i = 0; i < sizeof(exempt) / sizeof(*exempt); i++)
        expect(exempt[i], 1);
    for (i = 0; i < sizeof(restricted) / sizeof(*restricted); i++)
        expect(restricted[i], 0);
}

static void test_segment_grammar(apr_pool_t *p)
{
    static const char *const bad[] = {
        "", ".", "..", "e/x", "/e", "e%2f", "a\\b", "a?b", "a#b", "a b",
        "a\tb", "a\x01", "a\x7f",
    };
    static const char *const good[] = { "e", "_health", "api-v2", "x.y", "~u" };
    apr_hash_t *set = apr_hash_make(p);
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const char *err = phs_segment_add(set, bad[i]);
        tap_ok(err != NULL, "segment '%s' is rejected", bad[i]);
        tap_ok(err && strstr(err, bad[i]) != NULL,
               "the error names '%s': %s", bad[i], err ? err : "(none)");
    }
    for (i = 0; i < sizeof(good) / sizeof(*good); i++)
        tap_ok(phs_segment_add(set, good[i]) == NULL, "segment '%s' is accepted",
               good[i]);
    tap_ok(apr_hash_count(set) == sizeof(good) / sizeof(*good),
           "only the good segments are in the set");
}

static void test_empty_set(apr_pool_t *p)
{
    apr_hash_t *none = apr_hash_make(p);

    tap_ok(!phs_path_first_segment_in(none, "/e/"), "an empty set exempts nothing");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    ingestion = phs_segment_set_make(p, "e i batch capture track engage s "
                                        "decide flags array static _health "
                                        "_readyz _livez messaging-preferences");
    tap_ok(apr_hash_count(ingestion) == 15, "the default list has 15 segments");
    test_matching();
    test_segment_grammar(p);
    test_empty_set(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
