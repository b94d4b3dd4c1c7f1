/* Sets of path entries (`e`, `api/surveys`, `!flags/definitions`) and the
 * exemption test on a request path.  APR only.
 *
 * An entry is one or more whole path segments joined by `/`; a leading `!`
 * restricts that sub-path of an exempt entry again.  A path matches an
 * entry when its leading segments are the entry's, exactly (`/api/surveys`
 * and `/api/surveys/x` match `api/surveys`; `/api/surveysx` and
 * `/api/Surveys` do not); the longest matching entry decides. */
#ifndef PHS_PATH_SET_H
#define PHS_PATH_SET_H

#include <apr_pools.h>
#include <apr_hash.h>

typedef struct phs_path_set_t phs_path_set_t;

phs_path_set_t *phs_path_set_make(apr_pool_t *p);

/* Adds one entry.  Returns NULL, or a message naming the token when it is
 * not an entry (`!` alone, an empty, `.` or `..` segment, a leading or
 * trailing `/`, or a `\`, `%`, `?`, `#`, control character or whitespace),
 * or when it contradicts one given before (`e` and `!e`). */
const char *phs_path_set_add(phs_path_set_t *set, const char *entry);

/* A set made of a whitespace-separated list of valid entries. */
phs_path_set_t *phs_path_set_parse(apr_pool_t *p, const char *list);

/* Distinct entries added. */
apr_size_t phs_path_set_count(const phs_path_set_t *set);

/* 1 when the longest entry matching the decoded, normalised `path` is an
 * exempt one, and nothing in the path could lead a backend elsewhere: no
 * backslash, no `..` left after httpd's normalisation, no encoded `/` or
 * `\` (AllowEncodedSlashes NoDecode).  The cost is one hash lookup per
 * segment the set knows, whatever the number of entries. */
int phs_path_set_exempts(const phs_path_set_t *set, const char *path);

#endif
