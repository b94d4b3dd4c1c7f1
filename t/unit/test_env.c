/* Unit tests of PostHog's environment parsing (its booleans). */
#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "phs_env.h"

/* A test name for a value that may hold whitespace. */
static const char *shown(apr_pool_t *p, const char *value)
{
    char *out = apr_pstrdup(p, value), *c;

    for (c = out; *c; c++)
        if (*c == '\t' || *c == '\n')
            *c = '_';
    return out;
}

static void test_env_bool(apr_pool_t *p)
{
    static const char *const truths[] = {
        "y", "Y", "yes", "YES", "Yes", "t", "T", "true", "True", "TRUE",
        "on", "ON", "1", " true ", "\ttrue\n",
    };
    static const char *const falsehoods[] = {
        "n", "no", "false", "False", "off", "0", "2", "yess", "tru", "enable",
        "1 1", "-1", "nope",
    };
    static const char *const unset[] = { "", " ", "\t\n" };
    size_t i;

    for (i = 0; i < sizeof(truths) / sizeof(*truths); i++)
        tap_ok(phs_env_bool(truths[i]) == 1, "'%s' is true", shown(p, truths[i]));
    for (i = 0; i < sizeof(falsehoods) / sizeof(*falsehoods); i++)
        tap_ok(phs_env_bool(falsehoods[i]) == 0, "'%s' is false", falsehoods[i]);
    for (i = 0; i < sizeof(unset) / sizeof(*unset); i++) {
        tap_ok(phs_env_bool(unset[i]) == -1, "'%s' is unset", shown(p, unset[i]));
        tap_ok(!phs_env_is_set(unset[i]), "'%s' does not count as set",
               shown(p, unset[i]));
    }
    tap_ok(phs_env_bool(NULL) == -1 && !phs_env_is_set(NULL), "NULL is unset");
    tap_ok(phs_env_is_set("0"), "'0' counts as set");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_env_bool(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
