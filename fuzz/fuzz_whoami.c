/* Fuzz target: the whoami JSON (phs_json_quote, phs_json_list,
 * phs_json_text) on bytes a client sends: every string is printable ASCII
 * and valid JSON, and reads back to the bytes it was made of.
 *
 * Input: the whole input is quoted; each line is a member's value and a
 * list. */
#include "fuzz.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "phs_whoami.h"

/* Reads one JSON string at *c (RFC 8259, the escapes this writer uses and
 * the others), its bytes into out (each \u00XX one byte); NULL when it is
 * not one. */
static const char *read_string(const char **c, char *out, size_t *len)
{
    const char *s = *c;

    *len = 0;
    if (*s++ != '"')
        return "no opening quote";
    while (*s != '"') {
        unsigned char b = (unsigned char)*s;

        if (b < 0x20 || b >= 0x7f)
            return "a byte outside printable ASCII";
        if (b == '\\') {
            s++;
            if (*s == 'u') {
                unsigned v = 0;
                int i;

                for (i = 1; i <= 4; i++) {
                    if (!apr_isxdigit(s[i]))
                        return "a bad \\u escape";
                    v = v * 16 + (unsigned)(apr_isdigit(s[i]) ? s[i] - '0'
                                            : (apr_tolower(s[i]) - 'a' + 10));
                }
                if (v > 0xff)
                    return "a \\u escape over 0xff";
                out[(*len)++] = (char)v;
                s += 5;
                continue;
            }
            if (*s != '"' && *s != '\\')
                return "an unexpected escape";
        }
        out[(*len)++] = *s++;
    }
    *c = s + 1;
    return NULL;
}

static const char *quote_ok(apr_pool_t *p, const char *bytes, size_t len)
{
    const char *quoted = phs_json_quote(p, bytes, len), *c = quoted, *err;
    char *back = apr_palloc(p, len + 1);
    size_t back_len;

    if ((err = read_string(&c, back, &back_len)))
        return fuzz_broken(p, "quote of '%s': %s", fuzz_shown(p, bytes), err);
    if (*c)
        return "text after the closing quote";
    if (back_len != len || memcmp(back, bytes, len))
        return fuzz_broken(p, "'%s' does not read back", fuzz_shown(p, bytes));
    return NULL;
}

/* The object: {, members "name": value separated by ",", }. */
static const char *object_ok(apr_pool_t *p, const char *text)
{
    char *scratch = apr_palloc(p, strlen(text) + 1);
    const char *c = text, *err;
    size_t len;

    if (strncmp(c, "{\n", 2))
        return "no opening brace";
    c += 2;
    while (*c == ' ') {
        c += 2;
        if ((err = read_string(&c, scratch, &len)) || strncmp(c, ": ", 2))
            return err ? err : "no ': ' after a name";
        c += 2;
        if (*c == '"') {
            if ((err = read_string(&c, scratch, &len)))
                return err;
        }
        else if (*c == '[') {
            c++;
            while (*c == '"') {
                if ((err = read_string(&c, scratch, &len)))
                    return err;
                if (*c == ',')
                    c++;
            }
            if (*c++ != ']')
                return "an unclosed list";
        }
        else if (!strncmp(c, "null", 4) || !strncmp(c, "true", 4))
            c += 4;
        else if (!strncmp(c, "false", 5))
            c += 5;
        else
            return "an unknown value";
        if (*c == ',')
            c++;
        if (*c++ != '\n')
            return "no newline after a member";
    }
    return strcmp(c, "}\n") ? "no closing brace" : NULL;
}

const char *phs_check_whoami(apr_pool_t *p, const char *data, size_t size)
{
    apr_array_header_t *lines = fuzz_split_lines(p, data, size);
    phs_json_t *json = phs_json_make(p);
    const char *failure;
    int i;

    if ((failure = quote_ok(p, fuzz_exact_bytes(p, data, size), size)))
        return failure;
    for (i = 0; i < lines->nelts; i++) {
        const char *line = APR_ARRAY_IDX(lines, i, const char *);

        if ((failure = quote_ok(p, line, strlen(line))))
            return failure;
        phs_json_string(json, line, line);
        phs_json_list(json, "list", line);
        phs_json_bool(json, "b", i & 1);
        phs_json_string(json, "null", NULL);
    }
    if ((failure = object_ok(p, phs_json_text(json))))
        return fuzz_broken(p, "the object: %s", failure);
    return NULL;
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_whoami, data, size);
}
#endif
