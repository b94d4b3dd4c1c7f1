/* Text as HTTP carries it, shared by the parsers: byte ranges and the
 * blanks around them, RFC 9110 tokens, header names as backends read them
 * (CGI, WSGI and most frameworks turn `X-Real-IP` and `X_Real_IP` into one
 * variable, so a header the module removes must go in every spelling), and
 * outside text made safe for a log line.  APR only. */
#ifndef PHS_TEXT_H
#define PHS_TEXT_H

#include <string.h>

#include <apr_pools.h>
#include <apr_tables.h>

/* Kept out of line: the caller's common early return then pays no frame
 * or stack guard for the work it skips. */
#if defined(__GNUC__)
#define PHS_NOINLINE __attribute__((noinline))
#else
#define PHS_NOINLINE
#endif

/* A byte range, not NUL-terminated. */
typedef struct {
    const char *start;
    apr_size_t len;
} phs_span_t;

/* Space and tab: what separates tokens in a header value (RFC 9110 OWS,
 * RFC 6265 WSP). */
static APR_INLINE int phs_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* [start, end) without the blanks around it. */
static APR_INLINE phs_span_t phs_span_trimmed(const char *start,
                                              const char *end)
{
    phs_span_t span;

    while (start < end && phs_is_blank(*start))
        start++;
    while (end > start && phs_is_blank(end[-1]))
        end--;
    span.start = start;
    span.len = (apr_size_t)(end - start);
    return span;
}

/* `span` is `word` (lower case, `word_len` bytes) in any ASCII case; the
 * folding never depends on the locale. */
static APR_INLINE int phs_span_is_word(phs_span_t span, const char *word,
                                       apr_size_t word_len)
{
    apr_size_t i;

    if (span.len != word_len)
        return 0;
    for (i = 0; i < word_len; i++) {
        char c = span.start[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* For a string literal. */
#define phs_span_is(span, word) phs_span_is_word((span), (word), sizeof(word) - 1)

/* RFC 9110 token characters: header names, cookie names, RFC 7239
 * parameter names and values. */
static APR_INLINE int phs_is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A token from the outside world, safe to put in a log line or an error
 * between single quotes, as every message puts it: bytes outside
 * printable ASCII, single quotes and backslashes as \xHH, cut at 80 bytes
 * with "...". */
const char *phs_text_quote(apr_pool_t *p, const char *token, apr_size_t len);

/* ASCII lower case, whatever the locale. */
static APR_INLINE unsigned char phs_ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* The byte-by-byte fold of phs_field_is, after the exact comparison
 * failed. */
int phs_field_is_folded(const char *key, const char *name);

/* 1 when a header field's name is `name`, in any case.  Most fields differ
 * at the first byte; most that match are spelled as the name is, which
 * strcmp answers a word at a time. */
static APR_INLINE int phs_field_is(const char *key, const char *name)
{
    if (phs_ascii_lower((unsigned char)*key)
        != phs_ascii_lower((unsigned char)*name))
        return 0;
    return !strcmp(key, name) || phs_field_is_folded(key, name);
}

/* 1 when `key` is `name` in any case, with `_` for any `-`. */
static APR_INLINE int phs_field_spells(const char *key, const char *name)
{
    for (;; key++, name++) {
        unsigned char a = (unsigned char)*key, b = (unsigned char)*name;

        if (a != b && phs_ascii_lower(a) != phs_ascii_lower(b)
            && !(b == '-' && a == '_'))
            return 0;
        if (!a)
            return 1;
    }
}

/* Header names with what each is for (`roles`, bits the caller defines),
 * found in one lookup per field: the lengths and first letters of the
 * names turn nearly every other field away before any comparison, and a
 * field is compared only with the names of its length. */
#define PHS_NAME_LIST_MAX 48
#define PHS_NAME_LENGTH_MAX 64

/* Roles are the bits of an unsigned int: a caller's enum of roles must
 * stay below this bit (a role that did not fit would be dropped, and a
 * field meant to be removed would pass). */
#define PHS_NAME_ROLE_LIMIT (1u << (sizeof(unsigned) * 8 - 1))

typedef struct {
    const char *names[PHS_NAME_LIST_MAX];
    apr_size_t length[PHS_NAME_LIST_MAX];
    unsigned roles[PHS_NAME_LIST_MAX];           /* a field that spells it */
    unsigned exact_roles[PHS_NAME_LIST_MAX];     /* a field that is it, in
                                                    any case */
    unsigned char next[PHS_NAME_LIST_MAX];       /* the next name of the same
                                                    length, + 1; 0: none */
    unsigned char first[PHS_NAME_LENGTH_MAX];    /* the first name of each
                                                    length, + 1 */
    int count;
    apr_uint64_t lengths;        /* bit n: a name of n bytes */
    apr_uint32_t initials;       /* bit c - 'a': a name starting with c */
    int unshaped;                /* a name of 64 bytes or more, or not
                                    starting with a letter: no masks, every
                                    name compared */
} phs_name_list_t;

/* An empty list.  phs_name_list_add gives `roles` to a field that spells
 * one of the names (any case, `_` for `-`); phs_name_list_add_exact gives
 * `roles` to a field that is the name in any case.  A name given twice
 * keeps one entry with both roles; at most PHS_NAME_LIST_MAX names. */
void phs_name_list_init(phs_name_list_t *list);
void phs_name_list_add(phs_name_list_t *list, const char *const *names,
                       int count, unsigned roles);
void phs_name_list_add_exact(phs_name_list_t *list, const char *name,
                             unsigned roles);

/* The roles of every name `key` spells or is; 0 for none. */
unsigned phs_name_list_roles(const phs_name_list_t *list, const char *key);

/* Removes every field of `table` with one of the `remove` roles; returns
 * how many of them had one of the `counted` roles. */
int phs_fields_remove(apr_table_t *table, const phs_name_list_t *list,
                      unsigned remove, unsigned counted);

#endif
