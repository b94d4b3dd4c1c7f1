/* Fuzz target: the Set-Cookie rewrite (phs_cookie_rewrite,
 * phs_cookie_name_matches, phs_cookie_pattern_check) under several
 * policies, against a model that predicts the output string: the input
 * (less trailing blanks and ';') is its prefix, only the missing
 * attributes are appended, once; a second rewrite changes nothing.
 * And the raw-head rewrite (phs_raw_head_find, phs_raw_head_rewrite): the
 * end found is the model's, fed at once or in pieces; in the head sent,
 * every Set-Cookie that a model of Chromium's or of Firefox's header
 * parsing finds has what the policy asks for.
 *
 * Input: one Set-Cookie value; as a raw head's bytes, too. */
#include "fuzz.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>

#include "phs_cookie.h"
#include "phs_raw_response.h"

typedef struct {
    const char *name;
    size_t name_len;
    size_t content_len;        /* before trailing blanks and ';' */
    int has_secure, has_httponly, has_samesite;
    int samesite_none;         /* the last SameSite says None */
} cookie_model_t;

#define MODEL_ATTRIBUTE_VALUE_MAX 1024     /* RFC 6265bis 5.6 */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks off [*s, *s + *len). */
static void trim_blanks(const char **s, size_t *len)
{
    while (*len && is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && is_blank((*s)[*len - 1]))
        (*len)--;
}

static void model_attribute(const char *s, size_t len, cookie_model_t *m)
{
    const char *eq = memchr(s, '=', len);
    const char *name = s, *value = eq ? eq + 1 : s + len;
    size_t name_len = eq ? (size_t)(eq - s) : len;
    size_t value_len = (size_t)(s + len - value);

    trim_blanks(&name, &name_len);
    trim_blanks(&value, &value_len);
    if (value_len > MODEL_ATTRIBUTE_VALUE_MAX)
        return;
    if (fuzz_same_word(name, name_len, "secure"))
        m->has_secure = 1;
    else if (fuzz_same_word(name, name_len, "httponly"))
        m->has_httponly = 1;
    else if (fuzz_same_word(name, name_len, "samesite")) {
        m->samesite_none = fuzz_same_word(value, value_len, "none");
        m->has_samesite = m->samesite_none
                          || fuzz_same_word(value, value_len, "lax")
                          || fuzz_same_word(value, value_len, "strict");
    }
}

/* RFC 6265 5.2: the name=value pair is everything before the first ';'
 * (quotes mean nothing); without '=' in it the name is empty. */
static cookie_model_t model_cookie(const char *s)
{
    cookie_model_t m;
    size_t i = strcspn(s, ";"), len = strlen(s);

    memset(&m, 0, sizeof(m));
    m.name = s;
    m.name_len = strcspn(s, "=;");
    if (s[m.name_len] != '=')
        m.name_len = 0;
    trim_blanks(&m.name, &m.name_len);
    while (s[i] == ';') {
        size_t attribute_len = strcspn(s + i + 1, ";");

        model_attribute(s + i + 1, attribute_len, &m);
        i += 1 + attribute_len;
    }
    while (len && (is_blank(s[len - 1]) || s[len - 1] == ';'))
        len--;
    m.content_len = len;
    return m;
}

static int name_needs_secure(const cookie_model_t *m)
{
    return (m->name_len >= 9 && !strncasecmp(m->name, "__secure-", 9))
           || (m->name_len >= 7 && !strncasecmp(m->name, "__host-", 7));
}

typedef struct {
    const char *text;           /* the whole expected output */
    int changed;
    unsigned warnings;
} cookie_expectation_t;

static cookie_expectation_t
expected_rewrite(apr_pool_t *p, const phs_cookie_policy_t *policy,
                 const char *in)
{
    cookie_model_t m = model_cookie(in);
    cookie_expectation_t want = { in, 0, 0 };
    int secure, httponly, none;
    const char *samesite;

    if (m.content_len == 0)
        return want;
    secure = !m.has_secure && (policy->secure || name_needs_secure(&m));
    httponly = policy->httponly && !m.has_httponly
               && !phs_cookie_name_matches(policy->httponly_exempt, m.name,
                                           m.name_len);
    samesite = !m.has_samesite && policy->samesite && *policy->samesite
               ? policy->samesite : NULL;
    none = samesite ? !strcasecmp(samesite, "none") : m.samesite_none;
    if (none && !m.has_secure && !secure)
        want.warnings = PHS_COOKIE_WARN_SAMESITE_NONE_INSECURE;
    if (!secure && !httponly && !samesite)
        return want;
    want.changed = 1;
    want.text = apr_pstrcat(p, apr_pstrmemdup(p, in, m.content_len),
                            secure ? "; Secure" : "",
                            httponly ? "; HttpOnly" : "",
                            samesite ? "; SameSite=" : "",
                            samesite ? samesite : "", NULL);
    return want;
}

static const char *rewrite_and_compare(apr_pool_t *p, const char *name,
                                       const phs_cookie_policy_t *policy,
                                       const char *in)
{
    cookie_expectation_t want = expected_rewrite(p, policy, in);
    const char *kept = apr_pstrmemdup(p, in, model_cookie(in).content_len);
    unsigned warnings = 0;
    const char *out = phs_cookie_rewrite(p, policy, in, &warnings), *again;

    if (!out)
        return fuzz_broken(p, "%s: no output for '%s'", name,
                           fuzz_shown(p, in));
    if ((out != in) != want.changed || strcmp(out, want.text)
        || warnings != want.warnings)
        return fuzz_broken(p, "%s: '%s' became '%s' (warnings %u), the model "
                           "says '%s' (%u)", name, fuzz_shown(p, in),
                           fuzz_shown(p, out), warnings,
                           fuzz_shown(p, want.text), want.warnings);
    if (!fuzz_starts_with(out, kept))
        return fuzz_broken(p, "%s: the input is not a prefix of '%s'", name,
                           fuzz_shown(p, out));
    again = phs_cookie_rewrite(p, policy,
                               fuzz_exact_string(p, out, strlen(out)), NULL);
    if (strcmp(again, out))
        return fuzz_broken(p, "%s: not stable: '%s' became '%s' on a second "
                           "pass", name, fuzz_shown(p, out),
                           fuzz_shown(p, again));
    return NULL;
}

static apr_array_header_t *patterns(apr_pool_t *p, const char *first, ...)
{
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(phs_cookie_pattern_t));
    const char *pattern;
    va_list ap;

    va_start(ap, first);
    for (pattern = first; pattern; pattern = va_arg(ap, const char *))
        phs_cookie_pattern_push(list, pattern);
    va_end(ap);
    return list;
}

/* A valid pattern exempts the names it describes, and only those. */
static const char *pattern_works(apr_pool_t *p, const char *pattern)
{
    size_t len = strlen(pattern);
    int prefix = len && pattern[len - 1] == '*';
    size_t name_len = prefix ? len - 1 : len;
    apr_array_header_t *list = patterns(p, pattern, NULL);
    phs_cookie_policy_t exempting = { 0, 1, list, NULL };
    const char *name = fuzz_exact_bytes(p, pattern, name_len);
    const char *longer = apr_pstrcat(p, pattern, "x", NULL);
    const char *cookie = apr_psprintf(p, "%.*s=1", (int)name_len, pattern);
    const char *rewritten = phs_cookie_rewrite(p, &exempting, cookie, NULL);

    if (!phs_cookie_name_matches(list, name, name_len))
        return fuzz_broken(p, "pattern '%s' does not match its own name",
                           fuzz_shown(p, pattern));
    if (!prefix && phs_cookie_name_matches(list, longer, len + 1))
        return fuzz_broken(p, "exact pattern '%s' matches a longer name",
                           fuzz_shown(p, pattern));
    /* Only what the rewrite appends counts: the name may say HttpOnly. */
    if (strstr(rewritten + strlen(cookie), "HttpOnly"))
        return fuzz_broken(p, "'%s' got HttpOnly though exempt by '%s'",
                           fuzz_shown(p, cookie), fuzz_shown(p, pattern));
    return NULL;
}

/* The input as the value of a cookie (its ';' made blanks): whatever it
 * says, "secure" or "HttpOnly", it is value, not an attribute. */
static const char *as_value(apr_pool_t *p, const char *in)
{
    char *cookie = apr_pstrcat(p, "v=", in, NULL), *c;

    for (c = cookie; *c; c++)
        if (*c == ';')
            *c = ' ';
    return fuzz_exact_string(p, cookie, strlen(cookie));
}

/* Raw heads.  The model of where a head ends: "http" in any case first,
 * then the first LF followed by LF or by CR LF. */
static phs_raw_head_found_t model_head_end(const char *s, size_t len,
                                           size_t *end)
{
    size_t i;

    for (i = 0; i < len && i < 4; i++)
        if (tolower((unsigned char)s[i]) != "http"[i])
            return PHS_RAW_HEAD_NOT_HTTP;
    for (i = 0; i < len; i++)
        if (s[i] == '\n' && ((i + 1 < len && s[i + 1] == '\n')
                             || (i + 2 < len && s[i + 1] == '\r'
                                 && s[i + 2] == '\n'))) {
            *end = i + (s[i + 1] == '\n' ? 2 : 3);
            return PHS_RAW_HEAD_COMPLETE;
        }
    return PHS_RAW_HEAD_INCOMPLETE;
}

/* phs_raw_head_find agrees with the model, given the bytes at once or
 * after a first piece (each call on a copy of exactly its length). */
static const char *head_end_works(apr_pool_t *p, const char *bytes,
                                  size_t len)
{
    size_t want_end = 0, end = 0, cut[6], i;
    phs_raw_head_found_t want = model_head_end(bytes, len, &want_end);
    phs_raw_head_found_t got = phs_raw_head_find(fuzz_exact_bytes(p, bytes, len),
                                                 len, 0, &end);

    if (got != want || (want == PHS_RAW_HEAD_COMPLETE && end != want_end))
        return fuzz_broken(p, "head end of '%s': %d at %zu, the model says "
                           "%d at %zu", fuzz_shown(p, apr_pstrmemdup(p, bytes, len)),
                           got, end, want, want_end);
    cut[0] = 1, cut[1] = 2, cut[2] = 3, cut[3] = len / 2, cut[4] = len - 2;
    cut[5] = len - 1;
    for (i = 0; i < 6; i++) {
        size_t k = cut[i], first_end = 0, piece_end = 0, model_end = 0;
        phs_raw_head_found_t first, piece;

        if (k == 0 || k >= len)
            continue;
        first = phs_raw_head_find(fuzz_exact_bytes(p, bytes, k), k, 0,
                                  &first_end);
        if (first != model_head_end(bytes, k, &model_end)
            || (first == PHS_RAW_HEAD_COMPLETE && first_end != model_end))
            return fuzz_broken(p, "head end of the first %zu bytes differs "
                               "from the model", k);
        if (first != PHS_RAW_HEAD_INCOMPLETE)
            continue;
        piece = phs_raw_head_find(fuzz_exact_bytes(p, bytes, len), len, k,
                                  &piece_end);
        if (piece != got || (got == PHS_RAW_HEAD_COMPLETE && piece_end != end))
            return fuzz_broken(p, "head end after a first piece of %zu bytes: "
                               "%d at %zu, at once %d at %zu", k, piece,
                               piece_end, got, end);
    }
    return NULL;
}

/* A Set-Cookie a browser model found has what the policy asks for. */
static const char *cookie_is_protected(apr_pool_t *p, const char *browser,
                                       const phs_cookie_policy_t *policy,
                                       const char *value)
{
    cookie_model_t m = model_cookie(value);
    int secure = policy->secure || name_needs_secure(&m);
    int httponly = policy->httponly
                   && !phs_cookie_name_matches(policy->httponly_exempt,
                                               m.name, m.name_len);

    if (m.content_len == 0 || (m.has_secure >= secure
                               && m.has_httponly >= httponly))
        return NULL;
    return fuzz_broken(p, "%s reads the cookie '%s' without %s", browser,
                       fuzz_shown(p, value),
                       m.has_secure < secure ? "Secure" : "HttpOnly");
}

static int model_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The value of a field line if its name (blanks trimmed, as the most
 * lenient browser does) is Set-Cookie, else NULL. */
static const char *model_set_cookie(apr_pool_t *p, const char *line)
{
    const char *colon = strchr(line, ':'), *name = line;
    size_t name_len = colon ? (size_t)(colon - line) : 0;

    if (!colon)
        return NULL;
    trim_blanks(&name, &name_len);
    return fuzz_same_word(name, name_len, "set-cookie")
           ? apr_pstrdup(p, colon + 1) : NULL;
}

/* Chromium (HttpUtil::AssembleRawHeaders, HttpResponseHeaders): NUL
 * erased; the status line ends at the first CR or LF; lines are split at
 * every run of CR and LF; a line starting with a blank continues the one
 * before only if that one has a ':' after a name that does not start with
 * a blank.  Returns the Set-Cookie values. */
static apr_array_header_t *chromium_cookies(apr_pool_t *p, const char *head,
                                            size_t len)
{
    apr_array_header_t *lines = apr_array_make(p, 8, sizeof(char *));
    apr_array_header_t *cookies = apr_array_make(p, 4, sizeof(char *));
    char *text = apr_palloc(p, len + 1), *tok, *state;
    size_t i, n = 0;
    int continuable = 0;

    for (i = 0; i < len; i++)
        if (head[i] != '\0')
            text[n++] = head[i];
    text[n] = '\0';
    text += strcspn(text, "\r\n");
    for (tok = apr_strtok(text, "\r\n", &state); tok;
         tok = apr_strtok(NULL, "\r\n", &state)) {
        if (continuable && model_blank(*tok)) {
            char **last = &APR_ARRAY_IDX(lines, lines->nelts - 1, char *);

            while (model_blank(*tok))
                tok++;
            *last = apr_pstrcat(p, *last, " ", tok, NULL);
            continue;
        }
        APR_ARRAY_PUSH(lines, char *) = tok;
        continuable = strchr(tok, ':') && *tok != ':' && !model_blank(*tok);
    }
    for (i = 0; i < (size_t)lines->nelts; i++) {
        const char *value = model_set_cookie(p, APR_ARRAY_IDX(lines, i, char *));

        if (value)
            APR_ARRAY_PUSH(cookies, const char *) = value;
    }
    return cookies;
}

/* Firefox (nsHttpTransaction::ParseLineSegment): lines end at LF, less a
 * CR before it; after the first field line, a line starting with a blank
 * is appended to the one before, whatever it is. */
static apr_array_header_t *firefox_cookies(apr_pool_t *p, const char *head,
                                           size_t len)
{
    apr_array_header_t *cookies = apr_array_make(p, 4, sizeof(char *));
    apr_array_header_t *lines = fuzz_split_lines(p, head, len);
    const char *field = NULL, *value;
    int i;

    for (i = 1; i < lines->nelts; i++) {
        const char *line = APR_ARRAY_IDX(lines, i, const char *);
        size_t n = strlen(line);

        if (n && line[n - 1] == '\r')
            line = apr_pstrmemdup(p, line, n - 1);
        if (field && model_blank(*line)) {
            field = apr_pstrcat(p, field, line, NULL);
            continue;
        }
        if (field && (value = model_set_cookie(p, field)))
            APR_ARRAY_PUSH(cookies, const char *) = value;
        field = *line ? line : NULL;
        if (!*line)
            break;
    }
    if (field && (value = model_set_cookie(p, field)))
        APR_ARRAY_PUSH(cookies, const char *) = value;
    return cookies;
}

/* A status code read the Chromium way (the digits after the first space
 * and the spaces after it; 200 without any) or the Firefox way (atoi() of
 * what follows the first space, cast to 16 bits).  Only its class
 * matters: the value is cut at 9 digits. */
static long model_status(const char *line, int firefox)
{
    const char *c = strchr(line, ' ');
    long code = 0, sign = 1;
    int digits = 0;

    if (!c)
        return 200;
    c++;
    while (firefox ? isspace((unsigned char)*c) : *c == ' ')
        c++;
    if (firefox && (*c == '+' || *c == '-'))
        sign = *c++ == '-' ? -1 : 1;
    for (; isdigit((unsigned char)*c) && digits < 9; c++, digits++)
        code = code * 10 + (*c - '0');
    if (!firefox)
        return digits ? code : 200;
    return (long)(uint16_t)(sign * code);
}

static int model_interim(long code)
{
    return code / 100 == 1 && code != 101;
}

static const char *head_rewrite_works(apr_pool_t *p, const char *name,
                                      const phs_cookie_policy_t *policy,
                                      const char *bytes, size_t len)
{
    phs_raw_head_t out, again;
    const char *status, *failure;
    apr_array_header_t *cookies[2];
    size_t i;
    int b, j;

    phs_raw_head_rewrite(p, policy, fuzz_exact_bytes(p, bytes, len), len,
                         &out, NULL);
    for (i = 0; i < out.len; i++)
        if (out.text[i] == '\0' || (out.text[i] == '\r'
                                    && (i + 1 == out.len
                                        || out.text[i + 1] != '\n')))
            return fuzz_broken(p, "%s: the head sent has a NUL or a bare CR "
                               "at %zu", name, i);
    status = apr_pstrmemdup(p, out.text, strcspn(apr_pstrmemdup(p, out.text,
                                                                out.len), "\r\n"));
    if (!out.interim && (model_interim(model_status(status, 0))
                         || model_interim(model_status(status, 1))))
        return fuzz_broken(p, "%s: '%s' is taken for a last head, a browser "
                           "may read another after it", name,
                           fuzz_shown(p, status));
    cookies[0] = chromium_cookies(p, out.text, out.len);
    cookies[1] = firefox_cookies(p, out.text, out.len);
    if (cookies[0]->nelts != out.cookies)
        return fuzz_broken(p, "%s: %d Set-Cookie fields rewritten, Chromium "
                           "reads %d", name, out.cookies, cookies[0]->nelts);
    for (b = 0; b < 2; b++)
        for (j = 0; j < cookies[b]->nelts; j++)
            if ((failure = cookie_is_protected(p, b ? "Firefox" : "Chromium",
                                               policy,
                                               APR_ARRAY_IDX(cookies[b], j,
                                                             const char *))))
                return apr_pstrcat(p, name, ": ", failure, NULL);
    phs_raw_head_rewrite(p, policy, fuzz_exact_bytes(p, out.text, out.len),
                         out.len, &again, NULL);
    if (again.len != out.len || memcmp(again.text, out.text, out.len)
        || again.cookies != out.cookies || again.interim != out.interim)
        return fuzz_broken(p, "%s: the head is not stable: '%s' became '%s'",
                           name, fuzz_shown(p, apr_pstrmemdup(p, out.text, out.len)),
                           fuzz_shown(p, apr_pstrmemdup(p, again.text, again.len)));
    return NULL;
}

/* The input (bytes, NUL included) in a 101's head as a Set-Cookie value. */
static const char *in_101(apr_pool_t *p, const char *data, size_t size,
                          size_t *len)
{
    static const char before[] = "HTTP/1.1 101 Switching Protocols\r\n"
                                 "Upgrade: websocket\r\nSet-Cookie: ";
    static const char after[] = "\r\n\r\n";
    char *head;

    *len = sizeof(before) - 1 + size + sizeof(after) - 1;
    head = apr_palloc(p, *len);
    memcpy(head, before, sizeof(before) - 1);
    memcpy(head + sizeof(before) - 1, data, size);
    memcpy(head + sizeof(before) - 1 + size, after, sizeof(after) - 1);
    return head;
}

/* The input as a raw head, and in a 101's head: the head found (or all of
 * it, as a head cut short) is rewritten. */
static const char *raw_heads_work(apr_pool_t *p, const char *data,
                                  size_t size,
                                  const phs_cookie_policy_t *policies,
                                  const char *const *names, size_t count)
{
    const char *heads[2];
    size_t lens[2], h, i;
    const char *failure;

    heads[0] = data, lens[0] = size;
    heads[1] = in_101(p, data, size, &lens[1]);
    for (h = 0; h < 2; h++) {
        size_t end = lens[h];

        if ((failure = head_end_works(p, heads[h], lens[h])))
            return failure;
        if (phs_raw_head_find(heads[h], lens[h], 0, &end)
            == PHS_RAW_HEAD_NOT_HTTP)
            continue;
        for (i = 0; i < count; i++)
            if ((failure = head_rewrite_works(p, names[i], &policies[i],
                                              heads[h], end)))
                return failure;
    }
    return NULL;
}

const char *phs_check_cookie(apr_pool_t *p, const char *data, size_t size)
{
    const char *in = fuzz_exact_string(p, data, size), *failure;
    const char *value = as_value(p, in);
    apr_array_header_t *posthog = patterns(p, "posthog_csrftoken",
                                           "csrftoken", "ph_*", NULL);
    const phs_cookie_policy_t policy[] = {
        { 1, 1, posthog, NULL }, { 0, 0, NULL, NULL },
        { 1, 1, NULL, "Lax" }, { 0, 1, patterns(p, "*", NULL), "None" },
        { 1, 0, posthog, "Strict" }, { 0, 1, posthog, "" },
    };
    static const char *const names[] = {
        "production", "debug", "secure+httponly+Lax", "SameSite=None only",
        "secure+Strict", "httponly, SameSite empty",
    };
    size_t i;

    for (i = 0; i < sizeof(policy) / sizeof(*policy); i++)
        if ((failure = rewrite_and_compare(p, names[i], &policy[i], in))
            || (failure = rewrite_and_compare(p, names[i], &policy[i],
                                              value)))
            return failure;
    if ((failure = raw_heads_work(p, data, size, policy, names,
                                  sizeof(policy) / sizeof(*policy))))
        return failure;
    return phs_cookie_pattern_check(p, in) ? NULL : pattern_works(p, in);
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_cookie, data, size);
}
#endif
