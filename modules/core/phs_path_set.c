#include "phs_path_set.h"
#include "phs_text.h"

#include <apr_strings.h>
#include <apr_lib.h>

typedef enum { ENTRY_NONE = 0, ENTRY_RESTRICTED, ENTRY_EXEMPT } entry_t;

/* A trie of segments: an entry ends at a node with a verdict. */
typedef struct path_node_t path_node_t;
struct path_node_t {
    entry_t verdict;
    apr_hash_t *children;       /* segment -> path_node_t; NULL: a leaf */
    /* What the children's segments look like, so that most segments of a
     * path (index.html, projects) are turned away before they are hashed:
     * bit n of lengths for a length n (63: 63 or more), bit c of initials
     * for a first byte c. */
    apr_uint64_t lengths;
    apr_uint64_t initials[4];
};

static apr_uint64_t length_bit(apr_size_t len)
{
    return APR_UINT64_C(1) << (len < 63 ? len : 63);
}

struct phs_path_set_t {
    apr_pool_t *pool;
    path_node_t root;
    apr_size_t entries;
};

phs_path_set_t *phs_path_set_make(apr_pool_t *p)
{
    phs_path_set_t *set = apr_pcalloc(p, sizeof(*set));

    set->pool = p;
    return set;
}

static int segment_char_ok(unsigned char c)
{
    return c > 0x20 && c != 0x7f && !strchr("/\\%?#", c);
}

static int segment_ok(const char *segment, apr_size_t len)
{
    apr_size_t i;

    if (!len || (len == 1 && segment[0] == '.')
        || (len == 2 && segment[0] == '.' && segment[1] == '.'))
        return 0;
    for (i = 0; i < len; i++)
        if (!segment_char_ok((unsigned char)segment[i]))
            return 0;
    return 1;
}

static int entry_ok(const char *path)
{
    const char *end;

    for (;; path = end + 1) {
        end = strchr(path, '/');
        if (!segment_ok(path, end ? (apr_size_t)(end - path) : strlen(path)))
            return 0;
        if (!end)
            return 1;
    }
}

static path_node_t *child(apr_pool_t *p, path_node_t *node,
                          const char *segment, apr_size_t len)
{
    path_node_t *next;

    if (!node->children)
        node->children = apr_hash_make(p);
    next = apr_hash_get(node->children, segment, len);
    if (!next) {
        unsigned char initial = (unsigned char)segment[0];

        next = apr_pcalloc(p, sizeof(*next));
        apr_hash_set(node->children, apr_pstrmemdup(p, segment, len), len,
                     next);
        node->lengths |= length_bit(len);
        node->initials[initial >> 6] |= APR_UINT64_C(1) << (initial & 63);
    }
    return next;
}

const char *phs_path_set_add(phs_path_set_t *set, const char *entry)
{
    entry_t verdict = *entry == '!' ? ENTRY_RESTRICTED : ENTRY_EXEMPT;
    const char *path = entry + (verdict == ENTRY_RESTRICTED), *end;
    path_node_t *node = &set->root;

    if (!entry_ok(path))
        return apr_psprintf(set->pool, "'%s' is not a path: whole segments "
                            "joined by '/' (e, api/surveys, "
                            "!flags/definitions), without a leading or "
                            "trailing '/', '.' or '..' segments, '\\', "
                            "'%%', '?', '#' or spaces",
                            phs_text_quote(set->pool, entry, strlen(entry)));
    for (;; path = end + 1) {
        end = strchr(path, '/');
        node = child(set->pool, node, path,
                     end ? (apr_size_t)(end - path) : strlen(path));
        if (!end)
            break;
    }
    if (node->verdict != ENTRY_NONE && node->verdict != verdict)
        return apr_psprintf(set->pool, "'%s' contradicts an entry given "
                            "before",
                            phs_text_quote(set->pool, entry, strlen(entry)));
    if (node->verdict == ENTRY_NONE)
        set->entries++;
    node->verdict = verdict;
    return NULL;
}

phs_path_set_t *phs_path_set_parse(apr_pool_t *p, const char *list)
{
    phs_path_set_t *set = phs_path_set_make(p);
    char *copy = apr_pstrdup(p, list), *state, *word;

    for (word = apr_strtok(copy, " \t\r\n", &state); word;
         word = apr_strtok(NULL, " \t\r\n", &state))
        phs_path_set_add(set, word);
    return set;
}

apr_size_t phs_path_set_count(const phs_path_set_t *set)
{
    return set->entries;
}

/* Paths that a backend, or any hop after httpd, may resolve differently
 * from httpd's routing: an empty or `.` segment is collapsed by a hop that
 * merges slashes or normalises (`/flags//definitions` becomes the
 * restricted `/flags/definitions`), whatever httpd's MergeSlashes says. */
static int path_is_ambiguous(const char *path)
{
    apr_size_t len = strlen(path);
    const char *c;

    if (strchr(path, '\\') || strstr(path, "..") || strstr(path, "//")
        || strstr(path, "/./") || (len >= 2 && !strcmp(path + len - 2, "/.")))
        return 1;
    for (c = strchr(path, '%'); c; c = strchr(c + 1, '%'))
        if ((c[1] == '2' && apr_tolower(c[2]) == 'f')
            || (c[1] == '5' && apr_tolower(c[2]) == 'c'))
            return 1;
    return 0;
}

int phs_path_set_exempts(const phs_path_set_t *set, const char *path)
{
    const path_node_t *node = &set->root;
    const char *segment = path, *end;
    entry_t verdict = ENTRY_NONE;

    /* Down the trie as far as the path's leading segments go: most paths
     * stop at the first lookup, and none scans the list. */
    while (node->children && *segment == '/') {
        unsigned char initial = (unsigned char)*++segment;
        apr_size_t len;

        end = strchr(segment, '/');
        len = end ? (apr_size_t)(end - segment) : strlen(segment);
        if (!(node->lengths & length_bit(len))
            || !(node->initials[initial >> 6] & (APR_UINT64_C(1) << (initial & 63))))
            break;
        node = apr_hash_get(node->children, segment, (apr_ssize_t)len);
        if (!node)
            break;
        if (node->verdict != ENTRY_NONE)
            verdict = node->verdict;
        if (!end)
            break;
        segment = end;
    }
    return verdict == ENTRY_EXEMPT && !path_is_ambiguous(path);
}
