/* The fuzz targets' invariants, outside libFuzzer: the inputs fuzzing found
 * bugs with, embedded here so that they run from any copy of t/, and every
 * committed seed of fuzz/corpus/ when the corpus is found
 * ($PHS_FUZZ_CORPUS, else ../../fuzz/corpus from this binary).
 *
 * The unit-test rule compiles one source with the pure modules, so the
 * checks come in as source. */
#include "../../fuzz/common.c"
#include "../../fuzz/fuzz_ip_addr.c"
#include "../../fuzz/fuzz_ip_set.c"
#include "../../fuzz/fuzz_client_ip.c"
#include "../../fuzz/fuzz_cookie.c"
#include "../../fuzz/fuzz_https.c"
#include "../../fuzz/fuzz_secret_key.c"
#include "../../fuzz/fuzz_path_set.c"
#include "../../fuzz/fuzz_region.c"
#include "../../fuzz/fuzz_whoami.c"

#include "tap.h"

#include <stdlib.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_general.h>

typedef struct {
    const char *name;            /* fuzz/fuzz_NAME.c, fuzz/corpus/NAME/ */
    phs_fuzz_check_fn *check;
} target_t;

static const target_t targets[] = {
    { "ip_addr", phs_check_ip_addr },
    { "ip_set", phs_check_ip_set },
    { "client_ip", phs_check_client_ip },
    { "cookie", phs_check_cookie },
    { "https", phs_check_https },
    { "secret_key", phs_check_secret_key },
    { "path_set", phs_check_path_set },
    { "region", phs_check_region },
    { "whoami", phs_check_whoami },
};
#define TARGET_COUNT (sizeof(targets) / sizeof(*targets))

static const target_t *target_named(const char *name)
{
    size_t i;

    for (i = 0; i < TARGET_COUNT; i++)
        if (!strcmp(targets[i].name, name))
            return &targets[i];
    return NULL;
}

#define A16 "aaaaaaaaaaaaaaaa"
#define A256 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16

typedef struct {
    const char *target;
    const char *input;
    size_t size;
    const char *what;
} regression_t;

#define INPUT(literal) literal, sizeof(literal) - 1

/* Inputs that broke an invariant, with what was wrong.  Each is also in
 * fuzz/corpus/TARGET/. */
static const regression_t regressions[] = {
    /* secret_key.c counted characters in an unsigned char: the 257th 'a'
     * wrapped it to zero and counted 'a' again, so a key of 7 distinct
     * characters passed the 8-distinct-characters check. */
    { "secret_key", INPUT(A256 "a" "bcdefg"),
      "a key of 7 distinct characters, one repeated 257 times" },
};
#define REGRESSION_COUNT (sizeof(regressions) / sizeof(*regressions))

static void run_regressions(apr_pool_t *p)
{
    size_t i;

    for (i = 0; i < REGRESSION_COUNT; i++) {
        const regression_t *r = &regressions[i];
        const target_t *target = target_named(r->target);
        const char *failure = target ? target->check(p, r->input, r->size)
                                     : "no such target";

        tap_ok(failure == NULL, "%s: %s", r->target, r->what);
        if (failure)
            printf("#   %s\n", failure);
        apr_pool_clear(p);
    }
}

/* The same bug, stated directly. */
static void test_distinct_characters(void)
{
    tap_is_str(phs_secret_key_problem(A256 "a" "bcdefg"),
               "it has fewer than 8 distinct characters",
               "secret_key: distinct characters are counted once each, "
               "however often they repeat");
}

/* The corpus directory: $PHS_FUZZ_CORPUS, else next to this binary's t/. */
static const char *corpus_root(apr_pool_t *p, const char *argv0)
{
    const char *from_env = getenv("PHS_FUZZ_CORPUS");
    const char *slash = strrchr(argv0, '/');

    if (from_env && *from_env)
        return from_env;
    return apr_psprintf(p, "%.*s/../../fuzz/corpus",
                        slash ? (int)(slash - argv0) : 1,
                        slash ? argv0 : ".");
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The regular files of dir, sorted; NULL when dir cannot be read. */
static apr_array_header_t *seed_files(apr_pool_t *p, const char *dir)
{
    apr_array_header_t *names = apr_array_make(p, 16, sizeof(char *));
    apr_dir_t *handle;
    apr_finfo_t entry;

    if (apr_dir_open(&handle, dir, p) != APR_SUCCESS)
        return NULL;
    while (apr_dir_read(&entry, APR_FINFO_NAME | APR_FINFO_TYPE, handle)
           == APR_SUCCESS)
        if (entry.filetype == APR_REG && entry.name[0] != '.')
            APR_ARRAY_PUSH(names, char *) = apr_pstrdup(p, entry.name);
    apr_dir_close(handle);
    qsort(names->elts, (size_t)names->nelts, sizeof(char *), compare_names);
    return names;
}

/* The file's bytes in a malloc block of their own, as libFuzzer hands
 * them over; NULL when the file cannot be read. */
static char *read_seed(apr_pool_t *p, const char *path, apr_size_t *size)
{
    apr_file_t *file;
    apr_finfo_t info;
    char *data = NULL;

    if (apr_file_open(&file, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p)
        != APR_SUCCESS)
        return NULL;
    if (apr_file_info_get(&info, APR_FINFO_SIZE, file) == APR_SUCCESS
        && (data = malloc(info.size ? (size_t)info.size : 1))
        && info.size
        && apr_file_read_full(file, data, (apr_size_t)info.size, size)
           != APR_SUCCESS) {
        free(data);
        data = NULL;
    }
    if (data && !info.size)
        *size = 0;
    apr_file_close(file);
    return data;
}

static const char *replay_seed(apr_pool_t *p, const target_t *target,
                               const char *path)
{
    apr_size_t size;
    char *data = read_seed(p, path, &size);
    const char *failure;

    if (!data)
        return "cannot read the file";
    failure = target->check(p, data, size);
    free(data);
    return failure;
}

static void replay_target(apr_pool_t *p, const char *root,
                          const target_t *target)
{
    const char *dir = apr_pstrcat(p, root, "/", target->name, NULL);
    apr_array_header_t *names = seed_files(p, dir);
    apr_pool_t *scratch;
    int i;

    if (!tap_ok(names && names->nelts > 0, "fuzz/corpus/%s has seeds",
                target->name))
        return;
    apr_pool_create(&scratch, p);
    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        const char *failure = replay_seed(scratch, target,
                                          apr_pstrcat(p, dir, "/", name,
                                                      NULL));

        tap_ok(failure == NULL, "corpus %s/%s", target->name, name);
        if (failure)
            printf("#   %s\n", failure);
        apr_pool_clear(scratch);
    }
    apr_pool_destroy(scratch);
}

static void replay_corpus(apr_pool_t *p, const char *argv0)
{
    const char *root = corpus_root(p, argv0);
    apr_finfo_t info;
    size_t i;

    if (apr_stat(&info, root, APR_FINFO_TYPE, p) != APR_SUCCESS
        || info.filetype != APR_DIR) {
        /* make test runs a copy of t/ without fuzz/. */
        tap_ok(1, "corpus replay # skip no fuzz corpus at %s", root);
        return;
    }
    for (i = 0; i < TARGET_COUNT; i++)
        replay_target(p, root, &targets[i]);
}

int main(int argc, char **argv)
{
    apr_pool_t *p, *scratch;

    (void)argc;
    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_pool_create(&scratch, p);
    run_regressions(scratch);
    test_distinct_characters();
    replay_corpus(p, argv[0]);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
