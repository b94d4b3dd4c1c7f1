/* Fuzz target: the Set-Cookie rewrite (phs_cookie_rewrite,
 * phs_cookie_name_matches, phs_cookie_pattern_check) under several
 * policies, against a model that predicts the output string: the input
 * (less trailing blanks and ';') is its prefix, only the missing
 * attributes are appended, once; a second rewrite changes nothing.
 *
 * Input: one Set-Cookie value. */
#include "fuzz.h"

#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>

#include "cookie.h"

typedef struct {
    const char *name;
    size_t name_len;
    size_t content_len;        /* before trailing blanks and ';' */
    int has_secure, has_httponly, has_samesite;
    int samesite_none;         /* the last SameSite says None */
} cookie_model_t;

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
    if (fuzz_same_word(name, name_len, "secure"))
        m->has_secure = 1;
    else if (fuzz_same_word(name, name_len, "httponly"))
        m->has_httponly = 1;
    else if (fuzz_same_word(name, name_len, "samesite")) {
        m->has_samesite = 1;
        m->samesite_none = eq && fuzz_same_word(value, value_len, "none");
    }
}

/* Where the name=value pair ends: a quoted value (closed) runs to its
 * closing quote, so a ';' inside quotes is value, not an attribute. */
static size_t model_pair_end(const char *s)
{
    size_t i = strcspn(s, "=;");

    if (s[i] != '=')
        return i;
    for (i++; is_blank(s[i]); i++)
        ;
    if (s[i] == '"' && strchr(s + i + 1, '"'))
        i = (size_t)(strchr(s + i + 1, '"') - s) + 1;
    return i + strcspn(s + i, ";");
}

static cookie_model_t model_cookie(const char *s)
{
    cookie_model_t m;
    size_t i = model_pair_end(s), len = strlen(s);

    memset(&m, 0, sizeof(m));
    m.name = s;
    m.name_len = strcspn(s, "=;");
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
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(const char *));
    const char *pattern;
    va_list ap;

    va_start(ap, first);
    for (pattern = first; pattern; pattern = va_arg(ap, const char *))
        APR_ARRAY_PUSH(list, const char *) = pattern;
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
    return phs_cookie_pattern_check(p, in) ? NULL : pattern_works(p, in);
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_cookie, data, size);
}
#endif
