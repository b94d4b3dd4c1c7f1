/* Helpers shared by the fuzz targets' checks (see fuzz.h). */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

static apr_status_t free_block(void *block)
{
    free(block);
    return APR_SUCCESS;
}

/* Pool memory would hide a read past the end of a string inside a larger
 * block; a malloc block of its own lets AddressSanitizer see it. */
static char *exact_block(apr_pool_t *p, size_t size)
{
    char *block = malloc(size);

    if (!block && !(block = malloc(1)))
        abort();
    apr_pool_cleanup_register(p, block, free_block, apr_pool_cleanup_null);
    return block;
}

/* Bytes for the (pointer, length) interfaces: no terminating NUL. */
char *fuzz_exact_bytes(apr_pool_t *p, const char *s, size_t len)
{
    char *copy = exact_block(p, len);

    memcpy(copy, s, len);
    return copy;
}

/* A C string of the first len bytes (it ends early at an embedded NUL, as
 * a header or a configuration word would). */
char *fuzz_exact_string(apr_pool_t *p, const char *s, size_t len)
{
    char *copy;

    len = strnlen(s, len);
    copy = exact_block(p, len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

const char *fuzz_broken(apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;
    const char *message;

    va_start(ap, fmt);
    message = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return message;
}

/* Fuzz text as it can go into a failure message: escaped and cut. */
const char *fuzz_shown(apr_pool_t *p, const char *s)
{
    enum { SHOWN_MAX = 160 };
    size_t len = strlen(s), n = len < SHOWN_MAX ? len : SHOWN_MAX, i;
    char *out = apr_palloc(p, n * 4 + 4), *w = out;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f && c != '\\')
            *w++ = (char)c;
        else
            w += sprintf(w, "\\x%02x", c);
    }
    strcpy(w, n < len ? "..." : "");
    return out;
}

/* The input cut at '\n', each line its own exact C string. */
apr_array_header_t *fuzz_split_lines(apr_pool_t *p, const char *data,
                                     size_t size)
{
    apr_array_header_t *lines = apr_array_make(p, 8, sizeof(char *));
    const char *end = data + size;

    for (;;) {
        const char *newline = memchr(data, '\n', (size_t)(end - data));
        size_t len = (size_t)((newline ? newline : end) - data);

        APR_ARRAY_PUSH(lines, char *) = fuzz_exact_string(p, data, len);
        if (!newline)
            return lines;
        data = newline + 1;
    }
}

const char *fuzz_line_at(const apr_array_header_t *lines, int i,
                         const char *otherwise)
{
    return i < lines->nelts ? APR_ARRAY_IDX(lines, i, const char *)
                            : otherwise;
}

int fuzz_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int fuzz_ip_equal(const phs_ip_t *a, const phs_ip_t *b)
{
    return a->hi == b->hi && a->lo == b->lo;
}

/* The address with all but its top `bits` bits cleared. */
phs_ip_t fuzz_ip_masked(phs_ip_t ip, unsigned bits)
{
    if (bits < 64) {
        ip.hi = bits ? ip.hi >> (64 - bits) << (64 - bits) : 0;
        ip.lo = 0;
    }
    else if (bits < 128) {
        ip.lo = bits > 64 ? ip.lo >> (128 - bits) << (128 - bits) : 0;
    }
    return ip;
}

const char *fuzz_ip_text(apr_pool_t *p, const phs_ip_t *ip)
{
    return phs_ip_format(ip, apr_palloc(p, PHS_IP_TEXT_MAX));
}

/* A parsed address formats within PHS_IP_TEXT_MAX and parses back to
 * itself. */
const char *fuzz_ip_round_trip(apr_pool_t *p, const phs_ip_t *ip)
{
    char *text = exact_block(p, PHS_IP_TEXT_MAX);
    size_t len;
    phs_ip_t again;

    phs_ip_format(ip, text);
    len = strnlen(text, PHS_IP_TEXT_MAX);
    if (len == PHS_IP_TEXT_MAX)
        return "phs_ip_format wrote no NUL within PHS_IP_TEXT_MAX";
    if (!phs_ip_parse(fuzz_exact_bytes(p, text, len), len, &again)
        || !fuzz_ip_equal(ip, &again))
        return fuzz_broken(p, "'%s' does not parse back to the address it "
                           "was formatted from", fuzz_shown(p, text));
    return NULL;
}

int fuzz_same_word(const char *s, size_t len, const char *lowercase_word)
{
    return strlen(lowercase_word) == len
           && !strncasecmp(s, lowercase_word, len);
}
