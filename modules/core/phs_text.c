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


void phs_name_list_init(phs_name_list_t *list)
{
    memset(list, 0, sizeof(*list));
}

void phs_name_list_add(phs_name_list_t *list, const char *const *names,
                       int count)
{
    int n;

    for (n = 0; n < count && list->count < PHS_NAME_LIST_MAX; n++) {
        apr_size_t len = strlen(names[n]);
        unsigned initial = (unsigned)((names[n][0] | 0x20) - 'a');

        list->names[list->count] = names[n];
        list->length[list->count++] = (unsigned char)len;   /* unused when unshaped */
        /* A configured name may be long or start with a digit: then the
         * masks turn nothing away. */
        if (len >= 64 || initial > 25)
            list->unshaped = 1;
        else {
            list->lengths |= APR_UINT64_C(1) << len;
            list->initials |= (apr_uint32_t)1 << initial;
        }
    }
}

int phs_name_list_has(const phs_name_list_t *list, const char *key)
{
    apr_size_t len = strlen(key);
    unsigned initial = (unsigned)((key[0] | 0x20) - 'a');
    int n;

    if (!list->unshaped
        && (len >= 64 || !((list->lengths >> len) & 1) || initial > 25
            || !((list->initials >> initial) & 1)))
        return 0;
    for (n = 0; n < list->count; n++)
        if ((list->unshaped || list->length[n] == len)
            && phs_field_spells(key, list->names[n]))
            return n + 1;
    return 0;
}

int phs_fields_remove(apr_table_t *table, const phs_name_list_t *list,
                      int first)
{
    const apr_array_header_t *fields = apr_table_elts(table);
    const apr_table_entry_t *field = (const apr_table_entry_t *)fields->elts;
    int i, found, counted = 0;

    /* Unsetting a name removes its fields at i and after (an earlier one
     * would have matched before), moving the rest down: look at i again. */
    for (i = 0; i < fields->nelts; i++)
        if (field[i].key && (found = phs_name_list_has(list, field[i].key))) {
            int before = fields->nelts;

            apr_table_unset(table, field[i].key);
            if (found <= first)
                counted += before - fields->nelts;
            i--;
        }
    return counted;
}
