#include "phs_text.h"

#include <stdio.h>
#include <string.h>

const char *phs_text_quote(apr_pool_t *p, const char *token, apr_size_t len)
{
    enum { SHOWN_MAX = 80 };
    apr_size_t shown = len > SHOWN_MAX ? SHOWN_MAX : len;
    char *buf = apr_palloc(p, shown * 4 + 4);
    char *w = buf;

    for (apr_size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)token[i];
        if (c > 0x20 && c < 0x7f && c != '\\' && c != '\'')
            *w++ = (char)c;
        else
            w += sprintf(w, "\\x%02x", c);
    }
    strcpy(w, shown < len ? "..." : "");
    return buf;
}

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
