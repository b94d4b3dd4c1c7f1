/* Set-Cookie rewriting: one left-to-right scan of the header value, then at
 * most one allocation to append what the policy asks for. */
#include "cookie.h"

#include <string.h>

#include <apr_strings.h>

/* A byte range inside the header value (not NUL-terminated). */
typedef struct {
    const char *start;
    apr_size_t len;
} span_t;

/* What the scan learns about one Set-Cookie value. */
typedef struct {
    span_t name;
    const char *content_end;     /* before trailing blanks and ';' */
    int has_secure;
    int has_httponly;
    int has_samesite;
    int samesite_none;           /* the last SameSite value is None */
} cookie_t;

static const char SECURE_ATTR[] = "; Secure";
static const char HTTPONLY_ATTR[] = "; HttpOnly";
static const char SAMESITE_ATTR[] = "; SameSite=";

/* RFC 6265 WSP: only space and tab separate tokens in a header value. */
static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

static span_t trimmed(const char *start, const char *end)
{
    span_t span;

    start = skip_blanks(start);
    while (end > start && is_blank(end[-1]))
        end--;
    span.start = start;
    span.len = (apr_size_t)(end - start);
    return span;
}

/* ASCII-only case folding, so the result never depends on the locale.
 * `word` is lower case, `word_len` bytes long. */
static int span_is_word(span_t span, const char *word, apr_size_t word_len)
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
#define span_is(span, word) span_is_word(span, word, sizeof(word) - 1)

static int span_starts_with(span_t span, const char *lowercase_prefix)
{
    apr_size_t n = strlen(lowercase_prefix);

    if (span.len < n)
        return 0;
    span.len = n;
    return span_is_word(span, lowercase_prefix, n);
}

/* Browsers reject __Secure- and __Host- cookies without Secure, and
 * RFC 6265bis matches these prefixes case-insensitively. */
static int name_requires_secure(span_t name)
{
    return span_starts_with(name, "__secure-")
           || span_starts_with(name, "__host-");
}

/* The first `c` in [s, end), or end. */
static const char *find(const char *s, const char *end, char c)
{
    const char *found = memchr(s, c, (apr_size_t)(end - s));

    return found ? found : end;
}

/* Scans `name=value` and returns where it ends: the first ';' after the
 * value, or `end`.  A quoted value runs to its closing quote, so a ';'
 * inside quotes does not start an attribute; an unclosed quote is just a
 * character, as browsers read it. */
static const char *scan_pair(const char *s, const char *end, span_t *name)
{
    const char *eq = find(s, end, '=');
    const char *c = find(s, eq, ';');

    *name = trimmed(s, c);
    if (c < end && *c == '=') {
        c = skip_blanks(c + 1);
        if (*c == '"') {
            const char *close = memchr(c + 1, '"', (apr_size_t)(end - c - 1));

            if (close)
                c = close + 1;
        }
        c = find(c, end, ';');
    }
    return c;
}

/* Records one attribute, `start` to `end` exclusive (between two ';').
 * Only Secure, HttpOnly and SameSite matter, so the first letter turns the
 * others (Path, Max-Age, Expires, Domain...) away before any scanning. */
static void scan_attribute(const char *start, const char *end, cookie_t *cookie)
{
    const char *eq;
    span_t name;
    char first;

    start = skip_blanks(start);
    first = (char)(*start | 0x20);          /* ASCII lower case */
    if (first != 's' && first != 'h')
        return;
    eq = find(start, end, '=');
    name = trimmed(start, eq);
    if (span_is(name, "secure"))
        cookie->has_secure = 1;
    else if (span_is(name, "httponly"))
        cookie->has_httponly = 1;
    else if (span_is(name, "samesite")) {
        /* Browsers apply the last SameSite, so the last one decides. */
        cookie->has_samesite = 1;
        cookie->samesite_none = eq < end
                                && span_is(trimmed(eq + 1, end), "none");
    }
}

/* One pass: the name, the value, then each attribute once. */
static void scan_cookie(const char *s, cookie_t *cookie)
{
    const char *end = s + strlen(s);
    const char *c = scan_pair(s, end, &cookie->name);

    while (c < end) {
        const char *next = find(c + 1, end, ';');

        scan_attribute(c + 1, next, cookie);
        c = next;
    }
    /* Trimming here keeps us from appending after a `;` of the sender's:
     * `a=b;` becomes `a=b; Secure`, never `a=b;; Secure`. */
    while (c > s && (is_blank(c[-1]) || c[-1] == ';'))
        c--;
    cookie->content_end = c;
}

static char *put(char *out, const char *s, apr_size_t len)
{
    memcpy(out, s, len);
    return out + len;
}

static const char *append_attributes(apr_pool_t *p, const char *s,
                                     const cookie_t *cookie, int secure,
                                     int httponly, const char *samesite)
{
    apr_size_t keep = (apr_size_t)(cookie->content_end - s);
    apr_size_t samesite_len = samesite ? strlen(samesite) : 0;
    apr_size_t len = keep
                     + (secure ? sizeof(SECURE_ATTR) - 1 : 0)
                     + (httponly ? sizeof(HTTPONLY_ATTR) - 1 : 0)
                     + (samesite ? sizeof(SAMESITE_ATTR) - 1 + samesite_len : 0);
    char *result = apr_palloc(p, len + 1);
    char *out = put(result, s, keep);

    if (secure)
        out = put(out, SECURE_ATTR, sizeof(SECURE_ATTR) - 1);
    if (httponly)
        out = put(out, HTTPONLY_ATTR, sizeof(HTTPONLY_ATTR) - 1);
    if (samesite) {
        out = put(out, SAMESITE_ATTR, sizeof(SAMESITE_ATTR) - 1);
        out = put(out, samesite, samesite_len);
    }
    *out = '\0';
    return result;
}

const char *phs_cookie_rewrite(apr_pool_t *p, const phs_cookie_policy_t *policy,
                               const char *set_cookie, unsigned *warnings)
{
    cookie_t cookie = { { NULL, 0 }, NULL, 0, 0, 0, 0 };
    int add_secure, add_httponly, samesite_none;
    const char *add_samesite;

    scan_cookie(set_cookie, &cookie);
    /* Only blanks and ';': there is no cookie to protect. */
    if (cookie.content_end == set_cookie)
        return set_cookie;

    add_secure = !cookie.has_secure
                 && (policy->secure || name_requires_secure(cookie.name));
    add_httponly = policy->httponly && !cookie.has_httponly
                   && !phs_cookie_name_matches(policy->httponly_exempt,
                                               cookie.name.start,
                                               cookie.name.len);
    add_samesite = (!cookie.has_samesite && policy->samesite
                    && *policy->samesite) ? policy->samesite : NULL;

    samesite_none = cookie.samesite_none;
    if (add_samesite) {
        span_t added = { add_samesite, strlen(add_samesite) };

        samesite_none = span_is(added, "none");
    }
    if (warnings && samesite_none && !cookie.has_secure && !add_secure)
        *warnings |= PHS_COOKIE_WARN_SAMESITE_NONE_INSECURE;

    if (!add_secure && !add_httponly && !add_samesite)
        return set_cookie;
    return append_attributes(p, set_cookie, &cookie, add_secure, add_httponly,
                             add_samesite);
}

/* A pattern is a name, or a prefix followed by a final `*`
 * (phs_cookie_pattern_check); one pass, most names fail on the first byte. */
static int pattern_matches(const char *pattern, const char *name,
                           apr_size_t len)
{
    apr_size_t i = 0;

    while (i < len && pattern[i] != '*' && pattern[i] == name[i])
        i++;
    if (pattern[i] == '*' && pattern[i + 1] == '\0')
        return 1;
    return i == len && pattern[i] == '\0';
}

int phs_cookie_name_matches(const apr_array_header_t *patterns,
                            const char *name, apr_size_t len)
{
    const char *const *pattern;
    int i;

    if (!patterns)
        return 0;
    pattern = (const char *const *)patterns->elts;
    for (i = 0; i < patterns->nelts; i++)
        if (pattern_matches(pattern[i], name, len))
            return 1;
    return 0;
}

/* RFC 6265 cookie-name = token (RFC 2616): visible ASCII but separators. */
static int is_token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

const char *phs_cookie_pattern_check(apr_pool_t *p, const char *pattern)
{
    apr_size_t len = strlen(pattern), i;

    if (!len)
        return "'' is not a cookie name pattern: it is empty";
    if (pattern[len - 1] == '*')
        len--;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)pattern[i];

        /* `a*b` looks like a glob; only a final `*` has a meaning here. */
        if (c == '*')
            return apr_psprintf(p, "'%s' is not a cookie name pattern: '*' "
                                "is allowed only at the end (prefix match)",
                                pattern);
        if (!is_token_char(c))
            return apr_psprintf(p, "'%s' is not a cookie name pattern: "
                                "byte 0x%02x at position %" APR_SIZE_T_FMT
                                " is not allowed in a cookie name (no space, "
                                "control character or any of "
                                "()<>@,;:\\\"/[]?={})",
                                pattern, c, i + 1);
    }
    return NULL;
}
