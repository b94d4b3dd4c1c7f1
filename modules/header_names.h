/* Request header names as backends read them: CGI, WSGI and most
 * frameworks turn `X-Real-IP` and `X_Real_IP` into one variable, so a
 * header the module removes must go in every spelling.  APR only. */
#ifndef PHS_HEADER_NAMES_H
#define PHS_HEADER_NAMES_H

#include <apr_tables.h>

/* 1 when `key` is `name` in any case, with `_` for any `-`. */
int phs_field_spells(const char *key, const char *name);

/* Removes every field of `table` whose name spells one of `names` (count
 * of them); returns how many were removed. */
int phs_fields_remove(apr_table_t *table, const char *const *names,
                      int count);

#endif
