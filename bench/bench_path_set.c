/* Micro-benchmark of phs_path_set_exempts: the exemption test's cost per
 * request path, with the default list and with lists of 100 to 100,000
 * entries of one to four segments.  The cost must not grow with the list:
 * one hash lookup per segment the set knows.  Reports only; always exits
 * 0. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apr_general.h"
#include "apr_pools.h"
#include "apr_strings.h"

#include "phs_path_set.h"

#define SECONDS_PER_RUN 0.3
#define ITERATIONS_PER_CLOCK_READ 1000

/* modules/access.h */
static const char DEFAULT_EXEMPT[] =
    "e i batch capture track engage s decide flags array static _health "
    "_readyz _livez messaging-preferences api/surveys api/product_tours "
    "api/early_access_features api/web_experiments site_app "
    "api/conversations/v1/widget !flags/definitions";

static const char *const paths[] = {
    "/e/", "/i/v0/e/", "/api/projects/1/insights/", "/api/surveys/",
    "/flags/definitions", "/api/conversations/v1/widget/message",
    "/some/deep/unknown/path/with/many/segments",
};
#define PATHS (sizeof(paths) / sizeof(*paths))

static volatile int sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double ns_per_lookup(const phs_path_set_t *set, const char *path)
{
    unsigned long lookups = 0;
    double start = now(), elapsed;
    int i, got = 0;

    do {
        for (i = 0; i < ITERATIONS_PER_CLOCK_READ; i++)
            got += phs_path_set_exempts(set, path);
        lookups += ITERATIONS_PER_CLOCK_READ;
        elapsed = now() - start;
    } while (elapsed < SECONDS_PER_RUN);
    sink = got;
    return elapsed * 1e9 / (double)lookups;
}

/* The default list plus `extra` generated entries under api/ and
 * elsewhere, so that the paths' own segments have crowded neighbours. */
static phs_path_set_t *list_of(apr_pool_t *p, unsigned extra)
{
    phs_path_set_t *set = phs_path_set_parse(p, DEFAULT_EXEMPT);
    unsigned i;

    for (i = 0; i < extra; i++)
        phs_path_set_add(set, apr_psprintf(p, i % 3 == 0 ? "api/x%u"
                                           : i % 3 == 1 ? "seg%u/a/b"
                                           : "!flags/k%u/z", i));
    return set;
}

int main(void)
{
    static const unsigned sizes[] = { 0, 100, 10000, 100000 };
    apr_pool_t *p;
    size_t s, i;

    apr_initialize();
    apr_pool_create(&p, NULL);
    printf("phs_path_set_exempts, ns per lookup (entries beyond the 22 "
           "defaults)\n%-44s", "path");
    for (s = 0; s < sizeof(sizes) / sizeof(*sizes); s++)
        printf(" %9u", sizes[s]);
    printf("\n");
    {
        phs_path_set_t *sets[sizeof(sizes) / sizeof(*sizes)];

        for (s = 0; s < sizeof(sizes) / sizeof(*sizes); s++)
            sets[s] = list_of(p, sizes[s]);
        for (i = 0; i < PATHS; i++) {
            printf("%-44s", paths[i]);
            for (s = 0; s < sizeof(sizes) / sizeof(*sizes); s++)
                printf(" %9.1f", ns_per_lookup(sets[s], paths[i]));
            printf("\n");
        }
    }
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
