#include "phs_whoami.h"
#include "phs_text.h"

#include <apr_strings.h>
#include <apr_tables.h>

struct phs_json_t {
    apr_array_header_t *members;    /* "\"name\": value" */
};

phs_json_t *phs_json_make(apr_pool_t *p)
{
    phs_json_t *json = apr_palloc(p, sizeof(*json));

    json->members = apr_array_make(p, 16, sizeof(const char *));
    return json;
}

const char *phs_json_quote(apr_pool_t *p, const char *bytes, apr_size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *out = apr_palloc(p, 6 * len + 3), *w = out;
    apr_size_t i;

    *w++ = '"';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];

        if (c == '"' || c == '\\') {
            *w++ = '\\';
            *w++ = (char)c;
        }
        else if (c >= 0x20 && c < 0x7f)
            *w++ = (char)c;
        else {
            memcpy(w, "\\u00", 4);
            w[4] = hex[c >> 4];
            w[5] = hex[c & 15];
            w += 6;
        }
    }
    *w++ = '"';
    *w = '\0';
    return out;
}

static void member(phs_json_t *json, const char *name, const char *value)
{
    apr_pool_t *p = json->members->pool;

    APR_ARRAY_PUSH(json->members, const char *) =
        apr_pstrcat(p, phs_json_quote(p, name, strlen(name)), ": ", value,
                    NULL);
}

void phs_json_string(phs_json_t *json, const char *name, const char *value)
{
    member(json, name, value ? phs_json_quote(json->members->pool, value,
                                              strlen(value)) : "null");
}

void phs_json_bool(phs_json_t *json, const char *name, int value)
{
    member(json, name, value ? "true" : "false");
}

void phs_json_list(phs_json_t *json, const char *name, const char *list)
{
    apr_pool_t *p = json->members->pool;
    apr_array_header_t *items = apr_array_make(p, 4, sizeof(const char *));
    const char *c = list ? list : "";

    while (*c) {
        const char *comma = strchr(c, ','), *end = comma ? comma : c + strlen(c);
        phs_span_t item = phs_span_trimmed(c, end);

        if (item.len)
            APR_ARRAY_PUSH(items, const char *) =
                phs_json_quote(p, item.start, item.len);
        c = comma ? comma + 1 : end;
    }
    member(json, name, apr_pstrcat(p, "[", apr_array_pstrcat(p, items, ','),
                                   "]", NULL));
}

const char *phs_json_text(const phs_json_t *json)
{
    apr_pool_t *p = json->members->pool;
    apr_array_header_t *lines = apr_array_make(p, json->members->nelts,
                                               sizeof(const char *));
    int i;

    for (i = 0; i < json->members->nelts; i++)
        APR_ARRAY_PUSH(lines, const char *) = apr_pstrcat(p, "\n  ",
            APR_ARRAY_IDX(json->members, i, const char *), NULL);
    return apr_pstrcat(p, "{", apr_array_pstrcat(p, lines, ','), "\n}\n",
                       NULL);
}
