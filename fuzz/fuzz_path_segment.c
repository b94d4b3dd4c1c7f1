/* Fuzz target: exempt path segments (phs_segment_add, phs_segment_set_make,
 * phs_path_first_segment_in), against a model of the documented rules.
 *
 * Input: the first line is a list of segments (blanks between them); every
 * line is also a request path, tested against that list and against
 * PostHog's default one. */
#include "fuzz.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "path_segment.h"

static const char DEFAULT_EXEMPT[] = "e i batch capture track engage s decide "
    "flags array static _health _readyz _livez messaging-preferences";

static int naive_segment_ok(const char *segment)
{
    const char *c;

    if (!*segment || !strcmp(segment, ".") || !strcmp(segment, ".."))
        return 0;
    for (c = segment; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f
            || strchr("/\\%?#", *c))
            return 0;
    return 1;
}

/* Could a backend read the path differently from httpd's routing? */
static int naive_ambiguous(const char *path)
{
    const char *c;

    if (strchr(path, '\\') || strstr(path, ".."))
        return 1;
    for (c = path; *c; c++)
        if (c[0] == '%' && c[1] && c[2]
            && (!strncasecmp(c + 1, "2f", 2) || !strncasecmp(c + 1, "5c", 2)))
            return 1;
    return 0;
}

static int naive_exempt(const apr_array_header_t *segments, const char *path)
{
    size_t first_len;
    int i;

    if (path[0] != '/' || naive_ambiguous(path))
        return 0;
    first_len = strcspn(path + 1, "/");
    for (i = 0; i < segments->nelts; i++) {
        const char *segment = APR_ARRAY_IDX(segments, i, const char *);
        if (strlen(segment) == first_len
            && !memcmp(segment, path + 1, first_len))
            return 1;
    }
    return 0;
}

/* Adds each word of the list, checks the verdict, keeps the good ones. */
static const char *build_segments(apr_pool_t *p, const char *list,
                                  apr_hash_t *set,
                                  apr_array_header_t *segments)
{
    char *copy = apr_pstrdup(p, list), *state, *word;

    /* The separators of phs_segment_set_make. */
    for (word = apr_strtok(copy, " \t\r\n", &state); word;
         word = apr_strtok(NULL, " \t\r\n", &state)) {
        const char *segment = fuzz_exact_string(p, word, strlen(word));
        const char *error = phs_segment_add(set, segment);

        if ((error == NULL) != naive_segment_ok(word))
            return fuzz_broken(p, "segment '%s' is %s", fuzz_shown(p, word),
                               error ? "refused" : "accepted");
        if (error && !strstr(error, word))
            return fuzz_broken(p, "the error for '%s' does not name it",
                               fuzz_shown(p, word));
        if (!error)
            APR_ARRAY_PUSH(segments, const char *) = word;
    }
    return NULL;
}

static const char *path_ok(apr_pool_t *p, const apr_hash_t *set,
                           const apr_array_header_t *segments,
                           const char *path, const char *which)
{
    int got = phs_path_first_segment_in(set, path);

    if (got != naive_exempt(segments, path))
        return fuzz_broken(p, "path '%s' is %s with %s, the model disagrees",
                           fuzz_shown(p, path),
                           got ? "exempt" : "restricted", which);
    return NULL;
}

const char *phs_check_path_segment(apr_pool_t *p, const char *data,
                                   size_t size)
{
    apr_array_header_t *lines = fuzz_split_lines(p, data, size);
    apr_array_header_t *own = apr_array_make(p, 8, sizeof(char *));
    apr_array_header_t *defaults = apr_array_make(p, 16, sizeof(char *));
    apr_hash_t *own_set = apr_hash_make(p), *default_set = apr_hash_make(p);
    const char *list = fuzz_line_at(lines, 0, ""), *failure;
    int i;

    if ((failure = build_segments(p, list, own_set, own))
        || (failure = build_segments(p, DEFAULT_EXEMPT, default_set,
                                     defaults)))
        return failure;
    if (apr_hash_count(phs_segment_set_make(p, list))
        != apr_hash_count(own_set))
        return "phs_segment_set_make keeps another set than phs_segment_add";
    for (i = 0; i < lines->nelts; i++) {
        const char *path = APR_ARRAY_IDX(lines, i, const char *);

        if ((failure = path_ok(p, own_set, own, path, "the input's list"))
            || (failure = path_ok(p, default_set, defaults, path,
                                  "the default list")))
            return failure;
    }
    return NULL;
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_path_segment, data, size);
}
#endif
