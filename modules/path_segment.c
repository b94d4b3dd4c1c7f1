#include "path_segment.h"

#include <apr_strings.h>
#include <apr_lib.h>

static int segment_char_ok(unsigned char c)
{
    return c > 0x20 && c != 0x7f && !strchr("/\\%?#", c);
}

const char *phs_segment_add(apr_hash_t *set, const char *segment)
{
    apr_pool_t *p = apr_hash_pool_get(set);
    const char *c;

    if (!*segment || !strcmp(segment, ".") || !strcmp(segment, ".."))
        return apr_psprintf(p, "'%s' is not a path segment", segment);
    for (c = segment; *c; c++)
        if (!segment_char_ok((unsigned char)*c))
            return apr_psprintf(p, "'%s' is not a path segment: give the "
                                "first segment alone, without '/', '\\', "
                                "'%%', '?' or '#'", segment);
    apr_hash_set(set, apr_pstrdup(p, segment), APR_HASH_KEY_STRING, "");
    return NULL;
}

apr_hash_t *phs_segment_set_make(apr_pool_t *p, const char *list)
{
    apr_hash_t *set = apr_hash_make(p);
    char *copy = apr_pstrdup(p, list), *state, *word;

    for (word = apr_strtok(copy, " \t\r\n", &state); word;
         word = apr_strtok(NULL, " \t\r\n", &state))
        phs_segment_add(set, word);
    return set;
}

/* Paths that a backend may resolve differently from httpd's routing. */
static int path_is_ambiguous(const char *path)
{
    const char *c;

    if (strchr(path, '\\') || strstr(path, ".."))
        return 1;
    for (c = strchr(path, '%'); c; c = strchr(c + 1, '%'))
        if ((c[1] == '2' && apr_tolower(c[2]) == 'f')
            || (c[1] == '5' && apr_tolower(c[2]) == 'c'))
            return 1;
    return 0;
}

int phs_path_first_segment_in(const apr_hash_t *set, const char *path)
{
    const char *end;

    if (path[0] != '/')
        return 0;
    end = strchr(path + 1, '/');
    /* The lookup first: most paths are not exempt and need no scan. */
    return apr_hash_get((apr_hash_t *)set, path + 1,
                        end ? end - (path + 1) : APR_HASH_KEY_STRING) != NULL
           && !path_is_ambiguous(path);
}
