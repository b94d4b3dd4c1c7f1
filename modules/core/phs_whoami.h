/* The JSON of the whoami answer (what the module made of a request),
 * built member by member.  Strings come from the client (its headers):
 * every byte outside printable ASCII is written \u00XX, so the text is
 * valid JSON (and ASCII) whatever the bytes.  APR only. */
#ifndef PHS_WHOAMI_H
#define PHS_WHOAMI_H

#include <apr_pools.h>

typedef struct phs_json_t phs_json_t;

/* An empty object. */
phs_json_t *phs_json_make(apr_pool_t *p);

/* Members, in the order added; a NULL string is written null. */
void phs_json_string(phs_json_t *json, const char *name, const char *value);
void phs_json_bool(phs_json_t *json, const char *name, int value);
/* An array of the comma-separated items of `list` (blanks around them
 * dropped); NULL or "" gives []. */
void phs_json_list(phs_json_t *json, const char *name, const char *list);

/* The object's text, with a final newline. */
const char *phs_json_text(const phs_json_t *json);

/* `len` bytes as a JSON string, quotes included. */
const char *phs_json_quote(apr_pool_t *p, const char *bytes, apr_size_t len);

#endif
