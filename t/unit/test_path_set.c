/* Unit tests of the path-entry sets and the exemption test. */
#include "tap.h"
#include "phs_path_set.h"
#include "phs_text.h"

#include <apr_general.h>
#include <apr_strings.h>

/* The module's default PostHogExemptPaths (modules/access.h). */
static const char DEFAULT_EXEMPT[] =
    "e i batch capture track engage s decide flags array static _health "
    "_readyz _livez messaging-preferences api/surveys api/product_tours "
    "api/early_access_features api/web_experiments site_app "
    "api/conversations/v1/widget !flags/definitions";

static phs_path_set_t *defaults;

static void expect(const phs_path_set_t *set, const char *path, int want)
{
    tap_ok(phs_path_set_exempts(set, path) == want, "%s %s", path,
           want ? "is exempt" : "is not exempt");
}

static void test_matching(void)
{
    static const char *const exempt[] = {
        "/e", "/e/", "/e/x", "/e/x/y", "/batch", "/batch/", "/capture/",
        "/decide/", "/static/app.js", "/_health", "/i/v0/e/",
        "/messaging-preferences/x", "/s/", "/e/?", "/flags",
        "/flags/", "/flags/x", "/flags/definitionsx", "/api/surveys",
        "/api/surveys/", "/api/surveys/x", "/api/product_tours/",
        "/api/early_access_features/", "/api/web_experiments/",
        "/site_app/1/tok/hash/", "/api/conversations/v1/widget",
        "/api/conversations/v1/widget/message",
    };
    static const char *const restricted[] = {
        "/", "", "e", "/events", "/e.js", "/E/", "/E", "/static-admin",
        "/decide2", "/admin", "/api/projects", "//e", "/ e", "/e ",
        "/e/../admin", "/e/..", "/e/x/..%2fadmin", "/e/..%2Fadmin",
        "/e/%2fadmin", "/e/%5cadmin", "/e\\..\\admin", "/e/..\\admin",
        "/e;/x", "/e%2f", "/_healthz", "/batch.php", "/%65/",
        "/e/..;/admin", "/messaging-preferences2",
        "/api", "/api/", "/api/surveysx", "/api/Surveys", "/api//surveys",
        "/api/surveys/../projects", "/api/surveys/..%2fprojects",
        "/flags/definitions", "/flags/definitions/", "/flags/definitions/x",
        "/api/feature_flag/local_evaluation",
        "/api/projects/1/feature_flags/k/remote_config",
        "/api/projects/1/messaging/x", "/api/conversations/v1",
        "/api/conversations/v1/widgets", "/api/conversations/v2/widget",
        "/site_appx", "/api/early_access_features.json",
        /* Empty and `.` segments: a later hop may merge or drop them. */
        "/e//x", "/e//", "/e/./x", "/e/.", "/flags//definitions",
        "/flags/.//definitions", "/flags//./definitions/",
        "/flags/./definitions", "/api/surveys//x",
    };
    size_t i;

    for (i = 0; i < sizeof(exempt) / sizeof(*exempt); i++)
        expect(defaults, exempt[i], 1);
    for (i = 0; i < sizeof(restricted) / sizeof(*restricted); i++)
        expect(defaults, restricted[i], 0);
}

/* The longest matching entry decides, at any depth. */
static void test_longest(apr_pool_t *p)
{
    phs_path_set_t *set = phs_path_set_parse(p, "a !a/b a/b/c !a/b/c/d x/y");

    expect(set, "/a", 1);
    expect(set, "/a/z", 1);
    expect(set, "/a/b", 0);
    expect(set, "/a/b/z", 0);
    expect(set, "/a/b/c", 1);
    expect(set, "/a/b/c/z", 1);
    expect(set, "/a/b/c/d", 0);
    expect(set, "/a/b/c/d/e", 0);
    expect(set, "/x", 0);
    expect(set, "/x/y", 1);
    expect(set, "/x/yz", 0);
    tap_ok(phs_path_set_count(set) == 5, "five distinct entries");
}

static void test_grammar(apr_pool_t *p)
{
    static const char *const bad[] = {
        "", ".", "..", "/e", "e/", "e//x", "e/./x", "e/../x", "e/..",
        "!", "!/e", "!e/", "e%2f", "a\\b", "a?b", "a#b", "a b", "a\tb",
        "a\x01", "a\x7f", "api/su%72veys",
    };
    static const char *const good[] = {
        "e", "_health", "api-v2", "x.y", "~u", "api/surveys",
        "api/conversations/v1/widget", "!flags/definitions", "!x", "a/.b",
        "a/b..", "!!x",
    };
    phs_path_set_t *set = phs_path_set_make(p);
    const char *err;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        err = phs_path_set_add(set, bad[i]);
        tap_ok(err != NULL, "entry '%s' is rejected", bad[i]);
        /* Named as a log line shows it: no raw control byte. */
        tap_ok(err && strstr(err, apr_psprintf(p, "'%s'", phs_text_quote(p,
                              bad[i], strlen(bad[i])))) != NULL,
               "the error names '%s': %s", bad[i], err ? err : "(none)");
    }
    tap_ok(phs_path_set_count(set) == 0, "no bad entry is in the set");
    for (i = 0; i < sizeof(good) / sizeof(*good); i++)
        tap_ok(phs_path_set_add(set, good[i]) == NULL,
               "entry '%s' is accepted", good[i]);
    tap_ok(phs_path_set_count(set) == sizeof(good) / sizeof(*good),
           "only the good entries are in the set");
    tap_ok(phs_path_set_add(set, "e") == NULL, "an entry given twice is fine");
    tap_ok(phs_path_set_count(set) == sizeof(good) / sizeof(*good),
           "and counted once");
    err = phs_path_set_add(set, "!e");
    tap_ok(err && strstr(err, "'!e'") && strstr(err, "contradicts"),
           "'!e' after 'e' is a contradiction: %s", err ? err : "(none)");
    err = phs_path_set_add(set, "flags/definitions");
    tap_ok(err && strstr(err, "'flags/definitions'"),
           "'flags/definitions' after '!flags/definitions' too");
}

static void test_empty_set(apr_pool_t *p)
{
    phs_path_set_t *none = phs_path_set_make(p);

    tap_ok(!phs_path_set_exempts(none, "/e/"), "an empty set exempts nothing");
    tap_ok(!phs_path_set_exempts(phs_path_set_parse(p, "!e"), "/e/"),
           "a restricting entry alone exempts nothing");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    defaults = phs_path_set_parse(p, DEFAULT_EXEMPT);
    tap_ok(phs_path_set_count(defaults) == 22, "the default list has 22 entries");
    test_matching();
    test_longest(p);
    test_grammar(p);
    test_empty_set(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
