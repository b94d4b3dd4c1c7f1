#include "header_names.h"

#include <string.h>

int phs_field_spells(const char *key, const char *name)
{
    for (; *key && *name; key++, name++)
        if (*name == '-' ? *key != '-' && *key != '_'
                         : (*key | 0x20) != (*name | 0x20))
            return 0;
    return !*key && !*name;
}

static int spells_any(const char *key, const char *const *names, int count)
{
    int n;

    for (n = 0; n < count; n++)
        if (phs_field_spells(key, names[n]))
            return 1;
    return 0;
}

int phs_fields_remove(apr_table_t *table, const char *const *names,
                      int count)
{
    const apr_array_header_t *fields = apr_table_elts(table);
    const apr_table_entry_t *field = (const apr_table_entry_t *)fields->elts;
    int i, before = fields->nelts;

    /* Unsetting moves the entries: scan again from the start. */
    for (i = 0; i < fields->nelts; i++)
        if (field[i].key && spells_any(field[i].key, names, count)) {
            apr_table_unset(table, field[i].key);
            i = -1;
        }
    return before - fields->nelts;
}
