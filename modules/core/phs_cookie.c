/* Set-Cookie rewriting: one left-to-right scan of the header value, then at
 * most one allocation to append what the policy asks for. */
/* strchrnul: a cookie's attributes are found without measuring it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include "phs_cookie.h"
#include "phs_text.h"

#include <apr_strings.h>

/* What the scan learns about one Set-Cookie value. */
typedef struct {
    phs_span_t name;
    const char *content_end;     /* before trailing blanks and ';' */
    int has_secure;
    int has_httponly;
    int has_samesite;            /* the last SameSite says Lax, Strict or None */
    int samesite_none;           /* the last SameSite value is None */
} cookie_t;

/* RFC 6265bis 5.6: browsers ignore an attribute whose value is longer. */
#define ATTRIBUTE_VALUE_MAX 1024

static const char SECURE_ATTR[] = "; Secure";
static const char HTTPONLY_ATTR[] = "; HttpOnly";
static const char SAMESITE_ATTR[] = "; SameSite=";

static const char *skip_blanks(const char *s)
{
    while (phs_is_blank(*s))
        s++;
    return s;
}


static int span_starts_with(phs_span_t span, const char *lowercase_prefix)
{
    apr_size_t n = strlen(lowercase_prefix);

    if (span.len < n)
        return 0;
    span.len = n;
    return phs_span_is_word(span, lowercase_prefix, n);
}

/* Browsers reject __Secure- and __Host- cookies without Secure, and
 * RFC 6265bis matches these prefixes case-insensitively. */
static int name_requires_secure(phs_span_t name)
{
    return name.len > 0 && name.start[0] == '_'
           && (span_starts_with(name, "__secure-")
               || span_starts_with(name, "__host-"));
}

/* The first `c` in [s, end), or end. */
static const char *find(const char *s, const char *end, char c)
{
    const char *found = memchr(s, c, (apr_size_t)(end - s));

    return found ? found : end;
}

/* The next ';' of a cookie at s, or its terminating NUL: the attributes
 * are found without measuring the value first. */
static const char *next_semicolon(const char *s)
{
#ifdef __GLIBC__
    return strchrnul(s, ';');
#else
    const char *found = strchr(s, ';');

    return found ? found : s + strlen(s);
#endif
}

/* Scans the name=value pair and returns where it ends: the first ';', as
 * RFC 6265 5.2 says and browsers do, quotes or not (`a="x;Secure"` is the
 * cookie a="x with an attribute `Secure"`).  Without '=' the pair is a
 * value with an empty name (RFC 6265bis 5.6, what browsers store). */
static const char *scan_pair(const char *s, phs_span_t *name)
{
    const char *semicolon = next_semicolon(s);
    const char *eq = find(s, semicolon, '=');

    if (eq < semicolon)
        *name = phs_span_trimmed(s, eq);
    else
        name->start = s, name->len = 0;
    return semicolon;
}

static int samesite_is_known(phs_span_t value)
{
    return phs_span_is(value, "lax") || phs_span_is(value, "strict")
           || phs_span_is(value, "none");
}

/* Records one attribute, `start` to `end` exclusive (between two ';').
 * Only Secure, HttpOnly and SameSite matter, so the first letter turns the
 * others (Path, Max-Age, Expires, Domain...) away before any scanning. */
static void scan_attribute(const char *start, const char *end, cookie_t *cookie)
{
    const char *eq;
    phs_span_t name, value = { end, 0 };
    char first;

    start = skip_blanks(start);
    first = (char)(*start | 0x20);          /* ASCII lower case */
    if (first != 's' && first != 'h')
        return;
    eq = find(start, end, '=');
    name = phs_span_trimmed(start, eq);
    if (eq < end)
        value = phs_span_trimmed(eq + 1, end);
    if (value.len > ATTRIBUTE_VALUE_MAX)
        return;
    if (phs_span_is(name, "secure"))
        cookie->has_secure = 1;
    else if (phs_span_is(name, "httponly"))
        cookie->has_httponly = 1;
    else if (phs_span_is(name, "samesite")) {
        /* Browsers apply the last SameSite, and treat one they do not know
         * as if there were none. */
        cookie->has_samesite = samesite_is_known(value);
        cookie->samesite_none = phs_span_is(value, "none");
    }
}

/* One pass: the name, the value, then each attribute once. */
static void scan_cookie(const char *s, cookie_t *cookie)
{
    const char *c = scan_pair(s, &cookie->name);

    while (*c) {
        const char *next = next_semicolon(c + 1);

        scan_attribute(c + 1, next, cookie);
        c = next;
    }
    /* Trimming here keeps us from appending after a `;` of the sender's:
     * `a=b;` becomes `a=b; Secure`, never `a=b;; Secure`. */
    while (c > s && (phs_is_blank(c[-1]) || c[-1] == ';'))
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
        phs_span_t added = { add_samesite, strlen(add_samesite) };

        samesite_none = phs_span_is(added, "none");
    }
    if (warnings && samesite_none && !cookie.has_secure && !add_secure)
        *warnings |= PHS_COOKIE_WARN_SAMESITE_NONE_INSECURE;

    if (!add_secure && !add_httponly && !add_samesite)
        return set_cookie;
    return append_attributes(p, set_cookie, &cookie, add_secure, add_httponly,
                             add_samesite);
}

void phs_cookie_pattern_push(apr_array_header_t *patterns,
                             const char *pattern)
{
    phs_cookie_pattern_t *item = apr_array_push(patterns);
    apr_size_t len = strlen(pattern);

    item->prefix = len > 0 && pattern[len - 1] == '*';
    item->text = pattern;
    item->len = len - (apr_size_t)item->prefix;
}

apr_array_header_t *phs_cookie_patterns_parse(apr_pool_t *p,
                                              const char *list)
{
    apr_array_header_t *patterns = apr_array_make(p, 4,
                                                  sizeof(phs_cookie_pattern_t));
    char *copy = apr_pstrdup(p, list), *state, *word;

    for (word = apr_strtok(copy, " ", &state); word;
         word = apr_strtok(NULL, " ", &state))
        phs_cookie_pattern_push(patterns, word);
    return patterns;
}

/* Most names differ from a pattern at the first byte or in length. */
static int pattern_matches(const phs_cookie_pattern_t *pattern,
                           const char *name, apr_size_t len)
{
    if (pattern->prefix ? len < pattern->len : len != pattern->len)
        return 0;
    return pattern->len == 0
           || (name[0] == pattern->text[0]
               && !memcmp(name, pattern->text, pattern->len));
}

int phs_cookie_name_matches(const apr_array_header_t *patterns,
                            const char *name, apr_size_t len)
{
    const phs_cookie_pattern_t *pattern;
    int i;

    if (!patterns)
        return 0;
    pattern = (const phs_cookie_pattern_t *)patterns->elts;
    for (i = 0; i < patterns->nelts; i++)
        if (pattern_matches(&pattern[i], name, len))
            return 1;
    return 0;
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
                                phs_text_quote(p, pattern, strlen(pattern)));
        if (!phs_is_tchar(c))
            return apr_psprintf(p, "'%s' is not a cookie name pattern: "
                                "byte 0x%02x at position %" APR_SIZE_T_FMT
                                " is not allowed in a cookie name (no space, "
                                "control character or any of "
                                "()<>@,;:\\\"/[]?={})",
                                phs_text_quote(p, pattern, strlen(pattern)), c,
                                i + 1);
    }
    return NULL;
}
