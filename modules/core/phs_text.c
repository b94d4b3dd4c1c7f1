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


int phs_field_is_folded(const char *key, const char *name)
{
    for (;; key++, name++) {
        unsigned char a = (unsigned char)*key, b = (unsigned char)*name;

        if (a != b && phs_ascii_lower(a) != phs_ascii_lower(b))
            return 0;
        if (!a)
            return 1;
    }
}

void phs_name_list_init(phs_name_list_t *list)
{
    memset(list, 0, sizeof(*list));
}

/* The entry for `name` (the same bytes in any case), added if new; -1
 * when the list is full. */
static int entry_for(phs_name_list_t *list, const char *name)
{
    apr_size_t len = strlen(name);
    unsigned initial = (unsigned)((name[0] | 0x20) - 'a');
    int n;

    for (n = 0; n < list->count; n++)
        if (list->length[n] == len
            && phs_field_is(name, list->names[n]))
            return n;
    if (list->count == PHS_NAME_LIST_MAX)
        return -1;
    n = list->count++;
    list->names[n] = name;
    list->length[n] = len;
    if (len >= PHS_NAME_LENGTH_MAX || initial > 25)
        list->unshaped = 1;
    else {
        list->lengths |= APR_UINT64_C(1) << len;
        list->initials |= (apr_uint32_t)1 << initial;
        list->next[n] = list->first[len];
        list->first[len] = (unsigned char)(n + 1);
    }
    return n;
}

void phs_name_list_add(phs_name_list_t *list, const char *const *names,
                       int count, unsigned roles)
{
    int i, n;

    for (i = 0; i < count; i++)
        if ((n = entry_for(list, names[i])) >= 0)
            list->roles[n] |= roles;
}

void phs_name_list_add_exact(phs_name_list_t *list, const char *name,
                             unsigned roles)
{
    int n = entry_for(list, name);

    if (n >= 0)
        list->exact_roles[n] |= roles;
}

static unsigned entry_roles(const phs_name_list_t *list, int n,
                            const char *key, apr_size_t len)
{
    const char *name = list->names[n];
    unsigned char last = len ? (unsigned char)name[len - 1] : 0;

    /* Names of one length often share a long prefix (X-Forwarded-For,
     * X-Forwarded-Ssl): the last byte tells them apart first. */
    if (len && last != '-' && phs_ascii_lower((unsigned char)key[len - 1])
                       != phs_ascii_lower(last))
        return 0;
    if (!strcmp(key, name))
        return list->roles[n] | list->exact_roles[n];
    if (!phs_field_spells(key, list->names[n]))
        return 0;
    return list->roles[n] | (list->exact_roles[n]
                             && phs_field_is_folded(key, list->names[n])
                             ? list->exact_roles[n] : 0);
}

unsigned phs_name_list_roles(const phs_name_list_t *list, const char *key)
{
    unsigned initial = (unsigned)((key[0] | 0x20) - 'a'), roles = 0;
    apr_size_t len;
    int n;

    if (list->unshaped) {
        len = strlen(key);
        for (n = 0; n < list->count; n++)
            if (list->length[n] == len)
                roles |= entry_roles(list, n, key, len);
        return roles;
    }
    if (initial > 25 || !((list->initials >> initial) & 1))
        return 0;
    len = strlen(key);
    if (len >= PHS_NAME_LENGTH_MAX || !((list->lengths >> len) & 1))
        return 0;
    for (n = list->first[len]; n; n = list->next[n - 1])
        roles |= entry_roles(list, n - 1, key, len);
    return roles;
}

int phs_fields_remove(apr_table_t *table, const phs_name_list_t *list,
                      unsigned remove, unsigned counted)
{
    const apr_array_header_t *fields = apr_table_elts(table);
    const apr_table_entry_t *field = (const apr_table_entry_t *)fields->elts;
    int i, removed = 0;
    unsigned roles;

    /* Unsetting a name removes its fields at i and after (an earlier one
     * would have matched before), moving the rest down: look at i again. */
    for (i = 0; i < fields->nelts; i++)
        if (field[i].key
            && ((roles = phs_name_list_roles(list, field[i].key)) & remove)) {
            int before = fields->nelts;

            apr_table_unset(table, field[i].key);
            if (roles & counted)
                removed += before - fields->nelts;
            i--;
        }
    return removed;
}
