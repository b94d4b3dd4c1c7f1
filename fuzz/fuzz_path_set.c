/* Fuzz target: path-entry sets (phs_path_set_add, phs_path_set_parse,
 * phs_path_set_exempts), against a model of the documented rules.
 *
 * Input: the first line is a list of entries (blanks between them); every
 * line is also a request path, tested against that list and against the
 * module's default one. */
#include "fuzz.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "phs_path_set.h"
#include "phs_text.h"

static const char DEFAULT_EXEMPT[] = "e i batch capture track engage s decide "
    "flags array static _health _readyz _livez messaging-preferences "
    "api/surveys api/product_tours api/early_access_features "
    "api/web_experiments site_app api/conversations/v1/widget "
    "!flags/definitions";

/* The model: every good entry, by its path, with its verdict. */
typedef struct {
    apr_hash_t *verdicts;       /* path (no '!') -> "exempt" | "restricted" */
} model_t;

static int naive_segment_ok(const char *segment, size_t len)
{
    size_t i;

    if (!len || (len == 1 && segment[0] == '.')
        || (len == 2 && !memcmp(segment, "..", 2)))
        return 0;
    for (i = 0; i < len; i++)
        if ((unsigned char)segment[i] <= 0x20 || segment[i] == 0x7f
            || strchr("/\\%?#", segment[i]))
            return 0;
    return 1;
}

static int naive_entry_ok(const char *path)
{
    const char *start = path, *c;

    for (c = path;; c++)
        if (*c == '/' || !*c) {
            if (!naive_segment_ok(start, (size_t)(c - start)))
                return 0;
            if (!*c)
                return 1;
            start = c + 1;
        }
}

/* Could a backend read the path differently from httpd's routing? */
static int naive_ambiguous(const char *path)
{
    const char *c;

    if (strchr(path, '\\') || strstr(path, ".."))
        return 1;
    /* An empty or `.` segment anywhere. */
    for (c = path; *c; c++)
        if (c[0] == '/' && (c[1] == '/' || (c[1] == '.'
                                            && (c[2] == '/' || !c[2]))))
            return 1;
    for (c = path; *c; c++)
        if (c[0] == '%' && c[1] && c[2]
            && (!strncasecmp(c + 1, "2f", 2) || !strncasecmp(c + 1, "5c", 2)))
            return 1;
    return 0;
}

/* The longest entry the path's leading segments spell, tried from the
 * whole path down: "/a/b/c" tries "a/b/c", "a/b", "a". */
static int naive_exempt(apr_pool_t *p, const model_t *model, const char *path)
{
    char *rest;
    const char *verdict = NULL;
    size_t len;

    if (path[0] != '/' || naive_ambiguous(path))
        return 0;
    rest = apr_pstrdup(p, path + 1);
    for (len = strlen(rest);; ) {
        if ((verdict = apr_hash_get(model->verdicts, rest, len)))
            break;
        while (len && rest[len - 1] != '/')
            len--;
        if (!len)
            break;
        len--;
    }
    return verdict && !strcmp(verdict, "exempt");
}

/* Adds each word of the list, checks the verdict, keeps the good ones. */
static const char *build(apr_pool_t *p, const char *list, phs_path_set_t *set,
                         model_t *model)
{
    char *copy = apr_pstrdup(p, list), *state, *word;

    /* The separators of phs_path_set_parse. */
    for (word = apr_strtok(copy, " \t\r\n", &state); word;
         word = apr_strtok(NULL, " \t\r\n", &state)) {
        const char *entry = fuzz_exact_string(p, word, strlen(word));
        int negative = word[0] == '!';
        const char *path = word + negative;
        const char *verdict = negative ? "restricted" : "exempt";
        const char *before = apr_hash_get(model->verdicts, path,
                                          APR_HASH_KEY_STRING);
        int good = naive_entry_ok(path) && (!before || !strcmp(before, verdict));
        const char *error = phs_path_set_add(set, entry);

        if ((error == NULL) != good)
            return fuzz_broken(p, "entry '%s' is %s", fuzz_shown(p, word),
                               error ? "refused" : "accepted");
        /* Named as phs_text_quote shows it: no raw control byte. */
        if (error && !strstr(error, phs_text_quote(p, word, strlen(word))))
            return fuzz_broken(p, "the error for '%s' does not name it",
                               fuzz_shown(p, word));
        if (!error)
            apr_hash_set(model->verdicts, path, APR_HASH_KEY_STRING, verdict);
    }
    if (phs_path_set_count(set) != apr_hash_count(model->verdicts))
        return "the set counts other entries than the model";
    return NULL;
}

static const char *path_ok(apr_pool_t *p, const phs_path_set_t *set,
                           const model_t *model, const char *path,
                           const char *which)
{
    int got = phs_path_set_exempts(set, path);

    if (got != naive_exempt(p, model, path))
        return fuzz_broken(p, "path '%s' is %s with %s, the model disagrees",
                           fuzz_shown(p, path),
                           got ? "exempt" : "restricted", which);
    return NULL;
}

const char *phs_check_path_set(apr_pool_t *p, const char *data,
                                   size_t size)
{
    apr_array_header_t *lines = fuzz_split_lines(p, data, size);
    model_t own = { apr_hash_make(p) }, defaults = { apr_hash_make(p) };
    phs_path_set_t *own_set = phs_path_set_make(p);
    phs_path_set_t *default_set = phs_path_set_make(p);
    const char *list = fuzz_line_at(lines, 0, ""), *failure;
    int i;

    if ((failure = build(p, list, own_set, &own))
        || (failure = build(p, DEFAULT_EXEMPT, default_set, &defaults)))
        return failure;
    if (phs_path_set_count(phs_path_set_parse(p, list))
        != phs_path_set_count(own_set))
        return "phs_path_set_parse keeps another set than phs_path_set_add";
    for (i = 0; i < lines->nelts; i++) {
        const char *path = APR_ARRAY_IDX(lines, i, const char *);

        if ((failure = path_ok(p, own_set, &own, path, "the input's list"))
            || (failure = path_ok(p, default_set, &defaults, path,
                                  "the default list")))
            return failure;
    }
    return NULL;
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_path_set, data, size);
}
#endif
