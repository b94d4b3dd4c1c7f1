/* Sets of first path segments (`e`, `batch`, `_health`...) and the exemption
 * test on a request path.  APR only. */
#ifndef PHS_PATH_SEGMENT_H
#define PHS_PATH_SEGMENT_H

#include <apr_pools.h>
#include <apr_hash.h>

/* Adds one segment name to set.  Returns NULL, or a message naming the
 * token when it is not a plain segment (empty, `.`, `..`, or containing
 * `/`, `\`, `%`, `?`, `#`, a control character or whitespace). */
const char *phs_segment_add(apr_hash_t *set, const char *segment);

/* A set made of a whitespace-separated list of valid segments. */
apr_hash_t *phs_segment_set_make(apr_pool_t *p, const char *list);

/* 1 when the first segment of the decoded, normalised `path` is exactly in
 * set (`/e`, `/e/`, `/e/x` for `e`), and nothing in the path could lead a
 * backend elsewhere: no backslash, no `..` left after httpd's
 * normalisation, no encoded `/` or `\` (AllowEncodedSlashes NoDecode). */
int phs_path_first_segment_in(const apr_hash_t *set, const char *path);

#endif
