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
    int has_samesite;            /* the last SameSite says Lax, Strict or None */
    int samesite_none;           /* the last SameSite value is None */
} cookie_t;

/* RFC 6265bis 5.6: browsers ignore an attribute whose value is longer. */
#define ATTRIBUTE_VALUE_MAX 1024

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

/* Scans the name=value pair and returns where it ends: the first ';', as
 * RFC 6265 5.2 says and browsers do, quotes or not (`a="x;Secure"` is the
 * cookie a="x with an attribute `Secure"`).  Without '=' the pair is a
 * value with an empty name (RFC 6265bis 5.6, what browsers store). */
static const char *scan_pair(const char *s, const char *end, span_t *name)
{
    const char *semicolon = find(s, end, ';');
    const char *eq = find(s, semicolon, '=');

    if (eq < semicolon)
        *name = trimmed(s, eq);
    else
        name->start = s, name->len = 0;
    return semicolon;
}

static int samesite_is_known(span_t value)
{
    return span_is(value, "lax") || span_is(value, "strict")
           || span_is(value, "none");
}

/* Records one attribute, `start` to `end` exclusive (between two ';').
 * Only Secure, HttpOnly and SameSite matter, so the first letter turns the
 * others (Path, Max-Age, Expires, Domain...) away before any scanning. */
static void scan_attribute(const char *start, const char *end, cookie_t *cookie)
{
    const char *eq;
    span_t name, value = { end, 0 };
    char first;

    start = skip_blanks(start);
    first = (char)(*start | 0x20);          /* ASCII lower case */
    if (first != 's' && first != 'h')
        return;
    eq = find(start, end, '=');
    name = trimmed(start, eq);
    if (eq < end)
        value = trimmed(eq + 1, end);
    if (value.len > ATTRIBUTE_VALUE_MAX)
        return;
    if (span_is(name, "secure"))
        cookie->has_secure = 1;
    else if (span_is(name, "httponly"))
        cookie->has_httponly = 1;
    else if (span_is(name, "samesite")) {
        /* Browsers apply the last SameSite, and treat one they do not know
         * as if there were none. */
        cookie->has_samesite = samesite_is_known(value);
        cookie->samesite_none = span_is(value, "none");
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

/* Raw response heads, read as Chromium and Firefox read them: a head ends
 * at LF LF or LF CR LF; a line starting with a blank continues the field
 * before it (obs-fold), and field names are trimmed of blanks.  Where they
 * differ the head is made unambiguous: NUL and bare CR become spaces, a
 * folded Set-Cookie goes out on one line, and a line starting with a blank
 * that continues no field is dropped. */

static int starts_like_http(const char *bytes, apr_size_t len)
{
    static const char http[] = "http";
    apr_size_t i;

    for (i = 0; i < len && i < sizeof(http) - 1; i++)
        if ((char)(bytes[i] | 0x20) != http[i])     /* ASCII lower case */
            return 0;
    return 1;
}

phs_raw_head_found_t phs_raw_head_find(const char *bytes, apr_size_t len,
                                       apr_size_t scanned,
                                       apr_size_t *head_len)
{
    /* The end may have begun in the last two bytes scanned before. */
    apr_size_t i = scanned > 2 ? scanned - 2 : 0;
    const char *lf;

    if (!starts_like_http(bytes, len))
        return PHS_RAW_HEAD_NOT_HTTP;
    while (i < len && (lf = memchr(bytes + i, '\n', len - i))) {
        apr_size_t after = (apr_size_t)(lf - bytes) + 1;

        if (after < len && bytes[after] == '\n') {
            *head_len = after + 1;
            return PHS_RAW_HEAD_COMPLETE;
        }
        if (after + 1 < len && bytes[after] == '\r' && bytes[after + 1] == '\n') {
            *head_len = after + 2;
            return PHS_RAW_HEAD_COMPLETE;
        }
        i = after;
    }
    return PHS_RAW_HEAD_INCOMPLETE;
}

/* Browsers differ on NUL (Chromium erases it, joining what is around it)
 * and on a CR not before LF (Chromium ends a line there, Firefox does
 * not); RFC 9110 5.5 and RFC 9112 2.2 let a recipient replace them with
 * SP, after which every browser reads the same lines.  Returns `head`
 * itself when it has none. */
static const char *canonical_head(apr_pool_t *p, const char *head,
                                  apr_size_t len)
{
    char *copy = NULL;
    apr_size_t i;

    for (i = 0; i < len; i++)
        if (head[i] == '\0'
            || (head[i] == '\r' && (i + 1 == len || head[i + 1] != '\n'))) {
            if (!copy)
                copy = apr_pmemdup(p, head, len);
            copy[i] = ' ';
        }
    return copy ? copy : head;
}

/* One line of the head: its text, and where the next line begins. */
typedef struct {
    const char *start;
    const char *end;             /* before CR LF or LF */
    const char *next;
} head_line_t;

static head_line_t line_at(const char *s, const char *end)
{
    head_line_t line;
    const char *lf = memchr(s, '\n', (apr_size_t)(end - s));

    line.start = s;
    line.next = lf ? lf + 1 : end;
    line.end = lf ? lf : end;
    if (line.end > s && line.end[-1] == '\r')
        line.end--;
    return line;
}

/* 1xx but 101: another head follows.  Chromium reads the status as the
 * digits after the first space (and the spaces after it), however many;
 * Firefox as atoi() of what follows the first space, cast to 16 bits.
 * They agree on three digits after spaces; any other status line counts
 * as interim, so the watching goes on (and what follows must be a head). */
static int status_is_interim(head_line_t status)
{
    const char *c = memchr(status.start, ' ',
                           (apr_size_t)(status.end - status.start));
    int code = 0, digits = 0;

    if (!c)
        return 1;
    while (c < status.end && *c == ' ')
        c++;
    for (; c < status.end && *c >= '0' && *c <= '9'; c++, digits++)
        if (digits < 3)
            code = code * 10 + (*c - '0');
    if (digits != 3)
        return 1;
    return code / 100 == 1 && code != 101;
}

/* A field line that a following line starting with a blank continues
 * (Chromium's IsLineSegmentContinuable): a ':' after a non-empty name that
 * does not start with a blank. */
static int line_is_continuable(head_line_t line)
{
    const char *colon = memchr(line.start, ':',
                               (apr_size_t)(line.end - line.start));

    return colon && colon > line.start && !is_blank(*line.start);
}

/* The ':' of a Set-Cookie field line, or NULL. */
static const char *set_cookie_colon(head_line_t line)
{
    const char *colon = memchr(line.start, ':',
                               (apr_size_t)(line.end - line.start));

    return colon && span_is(trimmed(line.start, colon), "set-cookie")
           ? colon : NULL;
}

/* The output, as pieces of the head and new text. */
typedef struct {
    apr_array_header_t *pieces;  /* struct iovec */
    const char *kept_from;       /* the head from here is not in pieces yet */
} head_out_t;

static void out_put(head_out_t *out, const char *s, apr_size_t len)
{
    struct iovec *piece = apr_array_push(out->pieces);

    piece->iov_base = (void *)s;
    piece->iov_len = len;
}

/* The head up to `s` goes out as it is. */
static void out_keep_to(head_out_t *out, const char *s)
{
    out_put(out, out->kept_from, (apr_size_t)(s - out->kept_from));
}

/* A Set-Cookie field being read: its first line, and its value with the
 * lines that continue it joined by one space, as Chromium joins them. */
typedef struct {
    const char *colon;           /* of its first line; NULL: none open */
    const char *end;             /* after the text of its last line */
    const char *value;
    int folded;
} head_cookie_t;

static void cookie_open(apr_pool_t *p, head_cookie_t *cookie,
                        head_line_t line, const char *colon)
{
    cookie->colon = colon;
    cookie->end = line.end;
    cookie->value = apr_pstrmemdup(p, colon + 1,
                                   (apr_size_t)(line.end - colon - 1));
    cookie->folded = 0;
}

static void cookie_continue(apr_pool_t *p, head_cookie_t *cookie,
                            head_line_t line)
{
    const char *text = line.start;

    while (text < line.end && is_blank(*text))
        text++;
    cookie->value = apr_pstrcat(p, cookie->value, " ",
                                apr_pstrmemdup(p, text,
                                               (apr_size_t)(line.end - text)),
                                NULL);
    cookie->end = line.end;
    cookie->folded = 1;
}

/* Puts the field rewritten into the output when it changes: the head up
 * to its value, then the new value on one line. */
static void cookie_close(apr_pool_t *p, const phs_cookie_policy_t *policy,
                         head_cookie_t *cookie, head_out_t *out,
                         unsigned *warnings)
{
    const char *value;

    if (!cookie->colon)
        return;
    value = phs_cookie_rewrite(p, policy, cookie->value, warnings);
    if (value != cookie->value || cookie->folded) {
        out_keep_to(out, cookie->colon + 1);
        out_put(out, value, strlen(value));
        out->kept_from = cookie->end;
    }
    cookie->colon = NULL;
}

void phs_raw_head_rewrite(apr_pool_t *p, const phs_cookie_policy_t *policy,
                          const char *head, apr_size_t len,
                          phs_raw_head_t *result, unsigned *warnings)
{
    const char *text = canonical_head(p, head, len), *end = text + len;
    head_line_t line = line_at(text, end);
    head_cookie_t cookie = { NULL, NULL, NULL, 0 };
    head_out_t out;
    int continuable = 0;

    out.pieces = apr_array_make(p, 8, sizeof(struct iovec));
    out.kept_from = text;
    result->interim = status_is_interim(line);
    result->cookies = 0;
    for (line = line_at(line.next, end); line.start < end
         && line.end > line.start; line = line_at(line.next, end)) {
        const char *colon;

        if (continuable && is_blank(*line.start)) {
            if (cookie.colon)
                cookie_continue(p, &cookie, line);
            continue;
        }
        cookie_close(p, policy, &cookie, &out, warnings);
        if (is_blank(*line.start)) {
            /* After the status line, a line without a field name, or one
             * such line: Chromium reads it as a field of its own, Firefox
             * does not, RFC 9112 2.2 says to ignore it.  Dropped. */
            out_keep_to(&out, line.start);
            out.kept_from = line.next;
            continue;
        }
        continuable = line_is_continuable(line);
        if ((colon = set_cookie_colon(line))) {
            cookie_open(p, &cookie, line, colon);
            result->cookies++;
        }
    }
    cookie_close(p, policy, &cookie, &out, warnings);
    if (!out.pieces->nelts) {
        result->text = text;
        result->len = len;
        return;
    }
    out_keep_to(&out, end);
    result->text = apr_pstrcatv(p, (const struct iovec *)out.pieces->elts,
                                out.pieces->nelts, &result->len);
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
