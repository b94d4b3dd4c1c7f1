/* Unit tests of Set-Cookie rewriting (header values and raw response
 * heads), exempt-name matching and the PostHogCookieHttpOnlyExempt pattern
 * grammar. */
#include "tap.h"
#include "phs_cookie.h"
#include "phs_raw_response.h"
#include "phs_text.h"

#include <stdlib.h>

#include <apr_general.h>
#include <apr_strings.h>

#define WARN_NONE PHS_COOKIE_WARN_SAMESITE_NONE_INSECURE
#define COUNT(a) (sizeof(a) / sizeof(*(a)))

enum policy_id {
    PRODUCTION,      /* PostHog defaults: Secure, HttpOnly, default exemptions */
    DEBUG,           /* secure cookies off (PostHogMode debug), HttpOnly on */
    LAX,             /* PRODUCTION plus PostHogCookieSameSite Lax */
    SAMESITE_NONE,   /* only PostHogCookieSameSite None, secure off */
    NOTHING,         /* every option off */
    STRICT_ALL,      /* everything on, no exemptions, SameSite=Strict */
    EXEMPT_ALL,      /* HttpOnly on but `*` exempts every name, secure off */
    POLICY_COUNT
};

static phs_cookie_policy_t policies[POLICY_COUNT];

static const char *const policy_names[POLICY_COUNT] = {
    "production", "debug", "lax", "samesite-none", "nothing", "strict-all",
    "exempt-all",
};

typedef struct {
    enum policy_id policy;
    const char *input;
    const char *expected;
    unsigned warnings;
} rewrite_case_t;

#define SESSIONID "sessionid=abc123; expires=Thu, 12 Dec 2026 10:00:00 GMT; " \
                  "HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"
#define CSRF "posthog_csrftoken=xyz; expires=Thu, 10 Dec 2026 10:00:00 GMT; " \
             "Max-Age=31449600; Path=/; SameSite=Lax"
#define INSTANCE "ph_current_instance=\"https://us.posthog.com\"; Path=/"

static const rewrite_case_t cases[] = {
    /* What PostHog (Django) really sends. */
    { PRODUCTION, SESSIONID, SESSIONID "; Secure", 0 },
    { PRODUCTION, CSRF, CSRF "; Secure", 0 },
    { PRODUCTION, "csrftoken=Tk9x; expires=Thu, 10 Dec 2026 10:00:00 GMT; "
      "Max-Age=31449600; Path=/; SameSite=Lax",
      "csrftoken=Tk9x; expires=Thu, 10 Dec 2026 10:00:00 GMT; "
      "Max-Age=31449600; Path=/; SameSite=Lax; Secure", 0 },
    { PRODUCTION, "phtoolbar=1; Path=/; SameSite=None",
      "phtoolbar=1; Path=/; SameSite=None; Secure; HttpOnly", 0 },
    { PRODUCTION, INSTANCE, INSTANCE "; Secure", 0 },
    { PRODUCTION, "ph_current_project_token=phc_abc123; Path=/; Max-Age=31536000",
      "ph_current_project_token=phc_abc123; Path=/; Max-Age=31536000; Secure", 0 },
    { PRODUCTION, "ph_current_project_name=\"Default project\"; Path=/",
      "ph_current_project_name=\"Default project\"; Path=/; Secure", 0 },

    /* Already compliant: returned as is, whatever the case and spacing. */
    { PRODUCTION, SESSIONID "; Secure", SESSIONID "; Secure", 0 },
    { PRODUCTION, "sessionid=abc; path=/; secure; httponly",
      "sessionid=abc; path=/; secure; httponly", 0 },
    { PRODUCTION, "sessionid=abc;  SECURE ;HTTPONLY  ;",
      "sessionid=abc;  SECURE ;HTTPONLY  ;", 0 },
    { PRODUCTION, "a=b;\tSecure\t;\tHttpOnly", "a=b;\tSecure\t;\tHttpOnly", 0 },
    { PRODUCTION, "a=b; Secure=1; httponly =", "a=b; Secure=1; httponly =", 0 },
    { PRODUCTION, "a=b;Secure;HttpOnly;", "a=b;Secure;HttpOnly;", 0 },
    { PRODUCTION, "a=b; Max-Age=0; sEcUrE; HTTPONLY", "a=b; Max-Age=0; sEcUrE; HTTPONLY", 0 },
    { PRODUCTION, "a=b; Secure; HttpOnly; SameSite=None",
      "a=b; Secure; HttpOnly; SameSite=None", 0 },

    /* Trailing ';' and blanks are dropped before appending, nothing else. */
    { PRODUCTION, "a=b;", "a=b; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=b; ;;  ; \t", "a=b; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=b;;Secure;;", "a=b;;Secure; HttpOnly", 0 },
    { PRODUCTION, "a=b ; Path=/ ;", "a=b ; Path=/; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=b;;;Path=/", "a=b;;;Path=/; Secure; HttpOnly", 0 },

    /* The value, and attribute values, are never attributes. */
    { PRODUCTION, "a=secure", "a=secure; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=Secure; HttpOnly", "a=Secure; HttpOnly; Secure", 0 },
    { PRODUCTION, "a=HttpOnly; Secure", "a=HttpOnly; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=x; Path=/secure", "a=x; Path=/secure; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=x; Path=/secure/httponly; Domain=httponly.example.com",
      "a=x; Path=/secure/httponly; Domain=httponly.example.com; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=x; Comment=secure", "a=x; Comment=secure; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=\"\"; Path=/", "a=\"\"; Path=/; Secure; HttpOnly", 0 },

    /* RFC 6265 5.2, as browsers read it: the value ends at the first ';',
     * quotes or not, and what follows is attributes.  `secure"` is not
     * Secure to a browser, so Secure is added; ` Secure` inside quotes is
     * Secure to a browser, so it is not added again. */
    { PRODUCTION, "a=\"x;secure\"", "a=\"x;secure\"; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=\"quoted; secure\"", "a=\"quoted; secure\"; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=\"x; Secure; HttpOnly\"", "a=\"x; Secure; HttpOnly\"; HttpOnly", 0 },
    { PRODUCTION, "a=\"v; Secure; HttpOnly\"; Path=/",
      "a=\"v; Secure; HttpOnly\"; Path=/; HttpOnly", 0 },
    { PRODUCTION, "a=\"x;secure; y\"", "a=\"x;secure; y\"; HttpOnly", 0 },
    { PRODUCTION, "a=\"x; HttpOnly; z\"; Path=/", "a=\"x; HttpOnly; z\"; Path=/; Secure", 0 },
    { PRODUCTION, "a= \"x;y\" ; Secure", "a= \"x;y\" ; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=\"x; Secure", "a=\"x; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=\"x;", "a=\"x; Secure; HttpOnly", 0 },
    { PRODUCTION, "\"foo;bar\"=baz", "\"foo;bar\"=baz; Secure; HttpOnly", 0 },
    { PRODUCTION, "\"a;Secure\"=1", "\"a;Secure\"=1; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
      "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT, secure, HttpOnly",
      "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT, secure, HttpOnly; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=x,secure,httponly; Path=/",
      "a=x,secure,httponly; Path=/; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=b; Securely; HttpOnlyX; Secure-; xSecure",
      "a=b; Securely; HttpOnlyX; Secure-; xSecure; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=b; Sec ure", "a=b; Sec ure; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=SameSite=None; HttpOnly", "a=SameSite=None; HttpOnly; Secure", 0 },

    /* Empty values, missing '=', names and blanks. */
    { PRODUCTION, "a=; Path=/", "a=; Path=/; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=", "a=; Secure; HttpOnly", 0 },
    { PRODUCTION, "=x", "=x; Secure; HttpOnly", 0 },
    { PRODUCTION, "foo; Path=/", "foo; Path=/; Secure; HttpOnly", 0 },
    { PRODUCTION, "foo", "foo; Secure; HttpOnly", 0 },
    { PRODUCTION, "Secure", "Secure; Secure; HttpOnly", 0 },
    /* Without '=' the pair is a value and the name is empty (RFC 6265bis,
     * what browsers store): an exempt-looking value is not an exempt name. */
    { PRODUCTION, "ph_current_instance; Path=/", "ph_current_instance; Path=/; Secure; HttpOnly", 0 },
    { PRODUCTION, "csrftoken", "csrftoken; Secure; HttpOnly", 0 },
    { PRODUCTION, "posthog_csrftoken; Secure", "posthog_csrftoken; Secure; HttpOnly", 0 },
    { PRODUCTION, "__Host-x; Path=/", "__Host-x; Path=/; Secure; HttpOnly", 0 },
    { DEBUG, "__Host-x", "__Host-x; HttpOnly", 0 },
    { PRODUCTION, "", "", 0 },
    { PRODUCTION, "   \t ", "   \t ", 0 },
    { PRODUCTION, ";", ";", 0 },
    { PRODUCTION, " ; ;; ", " ; ;; ", 0 },
    { PRODUCTION, " sessionid = abc ; HttpOnly", " sessionid = abc ; HttpOnly; Secure", 0 },
    { PRODUCTION, "\tph_x=1", "\tph_x=1; Secure", 0 },

    /* Exemptions: exact names, `ph_*` prefix, case-sensitive. */
    { PRODUCTION, "PH_current_instance=x", "PH_current_instance=x; Secure; HttpOnly", 0 },
    { PRODUCTION, "CSRFTOKEN=x", "CSRFTOKEN=x; Secure; HttpOnly", 0 },
    { PRODUCTION, "posthog_csrftoken_x=1", "posthog_csrftoken_x=1; Secure; HttpOnly", 0 },
    { PRODUCTION, "xcsrftoken=1", "xcsrftoken=1; Secure; HttpOnly", 0 },
    { PRODUCTION, "ph_=1", "ph_=1; Secure", 0 },
    { PRODUCTION, "ph=1", "ph=1; Secure; HttpOnly", 0 },
    { PRODUCTION, "__Secure-id=1; Path=/; Secure", "__Secure-id=1; Path=/; Secure; HttpOnly", 0 },

    /* Bytes that are not text must not confuse or crash the scan. */
    { PRODUCTION, "a=\x01\x7f; \x01Secure", "a=\x01\x7f; \x01Secure; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=\xff\xfe; Path=/\xc3\xa9", "a=\xff\xfe; Path=/\xc3\xa9; Secure; HttpOnly", 0 },
    { PRODUCTION, "a=b; Secure\r", "a=b; Secure\r; Secure; HttpOnly", 0 },

    /* Secure cookies off: only the prefixes browsers insist on get Secure. */
    { DEBUG, "phtoolbar=1; Path=/; SameSite=None",
      "phtoolbar=1; Path=/; SameSite=None; HttpOnly", WARN_NONE },
    { DEBUG, SESSIONID, SESSIONID, 0 },
    { DEBUG, "__Secure-id=1; Path=/", "__Secure-id=1; Path=/; Secure; HttpOnly", 0 },
    { DEBUG, "__Host-id=1; Path=/", "__Host-id=1; Path=/; Secure; HttpOnly", 0 },
    { DEBUG, "__host-id=1; Path=/; HttpOnly", "__host-id=1; Path=/; HttpOnly; Secure", 0 },
    { DEBUG, "__SECURE-id=1; HttpOnly", "__SECURE-id=1; HttpOnly; Secure", 0 },
    { DEBUG, "__Secure-id=1; secure; HttpOnly", "__Secure-id=1; secure; HttpOnly", 0 },
    { DEBUG, "__Secure_id=1", "__Secure_id=1; HttpOnly", 0 },
    { DEBUG, "__Host=1", "__Host=1; HttpOnly", 0 },
    { DEBUG, "__Host-x=1; SameSite=None", "__Host-x=1; SameSite=None; Secure; HttpOnly", 0 },
    { DEBUG, "sessionid=abc; HttpOnly; SameSite=NONE",
      "sessionid=abc; HttpOnly; SameSite=NONE", WARN_NONE },
    { DEBUG, "a=b; SameSite = none ; HttpOnly", "a=b; SameSite = none ; HttpOnly", WARN_NONE },
    { DEBUG, "a=b; SameSite=None; SameSite=Lax; HttpOnly",
      "a=b; SameSite=None; SameSite=Lax; HttpOnly", 0 },
    { DEBUG, "a=b; SameSite=Lax; SameSite=None; HttpOnly",
      "a=b; SameSite=Lax; SameSite=None; HttpOnly", WARN_NONE },
    { DEBUG, "a=b; HttpOnly; SameSite=Nonesuch", "a=b; HttpOnly; SameSite=Nonesuch", 0 },
    { DEBUG, "a=b; HttpOnly; SameSite=None; Secure",
      "a=b; HttpOnly; SameSite=None; Secure", 0 },
    { DEBUG, "a=\"SameSite=None\"; HttpOnly", "a=\"SameSite=None\"; HttpOnly", 0 },
    { DEBUG, INSTANCE, INSTANCE, 0 },
    { DEBUG, "posthog_csrftoken=xyz; Path=/", "posthog_csrftoken=xyz; Path=/", 0 },

    /* SameSite added only when absent, after Secure and HttpOnly. */
    { LAX, "sessionid=abc; Path=/", "sessionid=abc; Path=/; Secure; HttpOnly; SameSite=Lax", 0 },
    { LAX, "a=b; samesite=strict", "a=b; samesite=strict; Secure; HttpOnly", 0 },
    /* The last SameSite decides, and one browsers do not know (no value,
     * a bad one) counts as none: SameSite=Lax is added after it. */
    { LAX, "a=b; SameSite", "a=b; SameSite; Secure; HttpOnly; SameSite=Lax", 0 },
    { LAX, "a=b; SameSite=", "a=b; SameSite=; Secure; HttpOnly; SameSite=Lax", 0 },
    { LAX, "a=b; SameSite=Strict; SameSite=bogus",
      "a=b; SameSite=Strict; SameSite=bogus; Secure; HttpOnly; SameSite=Lax", 0 },
    { LAX, "a=b; SameSite=bogus; SameSite=Strict",
      "a=b; SameSite=bogus; SameSite=Strict; Secure; HttpOnly", 0 },
    { LAX, "a=b; SameSite=None\"", "a=b; SameSite=None\"; Secure; HttpOnly; SameSite=Lax", 0 },
    { LAX, "a=b; SameSite = STRICT ", "a=b; SameSite = STRICT; Secure; HttpOnly", 0 },
    { DEBUG, "a=b; SameSite=None; SameSite=x; HttpOnly",
      "a=b; SameSite=None; SameSite=x; HttpOnly", 0 },
    { DEBUG, "a=b; SameSite=x; SameSite=none; HttpOnly",
      "a=b; SameSite=x; SameSite=none; HttpOnly", WARN_NONE },
    { LAX, "a=b; SameSite=None", "a=b; SameSite=None; Secure; HttpOnly", 0 },
    { LAX, "posthog_csrftoken=xyz; Path=/", "posthog_csrftoken=xyz; Path=/; Secure; SameSite=Lax", 0 },
    { LAX, "a=\"v; SameSite=None\"", "a=\"v; SameSite=None\"; Secure; HttpOnly; SameSite=Lax", 0 },
    { LAX, "a=b; Secure; HttpOnly; SameSite=Strict", "a=b; Secure; HttpOnly; SameSite=Strict", 0 },
    { SAMESITE_NONE, "a=b", "a=b; SameSite=None", WARN_NONE },
    { SAMESITE_NONE, "a=b; Secure", "a=b; Secure; SameSite=None", 0 },
    { SAMESITE_NONE, "__Host-a=b; Path=/", "__Host-a=b; Path=/; Secure; SameSite=None", 0 },
    { SAMESITE_NONE, "a=b; SameSite=Strict", "a=b; SameSite=Strict", 0 },

    /* Everything off leaves cookies alone but still warns. */
    { NOTHING, "a=b;", "a=b;", 0 },
    { NOTHING, "a=b; SameSite=None", "a=b; SameSite=None", WARN_NONE },
    { NOTHING, "__Secure-a=b;", "__Secure-a=b; Secure", 0 },

    /* No exemption list: even PostHog's frontend cookies get HttpOnly. */
    { STRICT_ALL, "posthog_csrftoken=x", "posthog_csrftoken=x; Secure; HttpOnly; SameSite=Strict", 0 },
    { STRICT_ALL, "ph_current_instance=x; secure", "ph_current_instance=x; secure; HttpOnly; SameSite=Strict", 0 },

    /* `*` exempts every name, the empty one included. */
    { EXEMPT_ALL, "a=b", "a=b", 0 },
    { EXEMPT_ALL, "=b", "=b", 0 },
    { EXEMPT_ALL, "__Secure-a=b", "__Secure-a=b; Secure", 0 },
};

/* Test names go to TAP line by line: show control bytes as \xNN. */
static const char *printable(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 4 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c >= 0x7f)
            o += sprintf(o, "\\x%02x", c);
        else
            *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

static void test_case(apr_pool_t *p, const rewrite_case_t *c)
{
    const phs_cookie_policy_t *policy = &policies[c->policy];
    const char *name = apr_psprintf(p, "[%s] '%s'", policy_names[c->policy],
                                    printable(p, c->input));
    unsigned warnings = 0, again_warnings = 0;
    const char *got = phs_cookie_rewrite(p, policy, c->input, &warnings);
    const char *again;
    int unchanged = !strcmp(c->input, c->expected);

    tap_is_str(got, c->expected, apr_pstrcat(p, name, " is rewritten", NULL));
    tap_ok(warnings == c->warnings, "%s raises warnings 0x%x (got 0x%x)", name,
           c->warnings, warnings);
    tap_ok((got == c->input) == unchanged, "%s %s", name,
           unchanged ? "is returned as the same pointer"
                     : "is returned as a new string");
    again = phs_cookie_rewrite(p, policy, got, &again_warnings);
    tap_ok(again == got && again_warnings == warnings,
           "%s: rewriting twice is the same as once", name);
}

static void test_table(apr_pool_t *p)
{
    size_t i;

    for (i = 0; i < COUNT(cases); i++)
        test_case(p, &cases[i]);
    tap_ok(COUNT(cases) >= 50, "the table has %lu cookies", (unsigned long)COUNT(cases));
}

static void test_null_warnings(apr_pool_t *p)
{
    const char *got = phs_cookie_rewrite(p, &policies[DEBUG], "a=b; SameSite=None",
                                         NULL);

    tap_is_str(got, "a=b; SameSite=None; HttpOnly", "NULL warnings pointer is allowed");
}

static void test_warnings_accumulate(apr_pool_t *p)
{
    unsigned warnings = 0x100;

    phs_cookie_rewrite(p, &policies[DEBUG], "a=b; HttpOnly", &warnings);
    tap_ok(warnings == 0x100, "a rewrite without warnings leaves the flags as they are");
    phs_cookie_rewrite(p, &policies[DEBUG], "a=b; SameSite=None", &warnings);
    tap_ok(warnings == (0x100 | WARN_NONE), "warnings are ORed into the flags");
}

static char *repeat(apr_pool_t *p, const char *piece, int times)
{
    apr_size_t n = strlen(piece);
    char *out = apr_palloc(p, n * (apr_size_t)times + 1), *o = out;
    int i;

    for (i = 0; i < times; i++, o += n)
        memcpy(o, piece, n);
    *o = '\0';
    return out;
}

static void test_large_inputs(apr_pool_t *p)
{
    const phs_cookie_policy_t *policy = &policies[PRODUCTION];
    char *value = repeat(p, "secure;", 1500);          /* 10.5 KB */
    const char *quoted = apr_pstrcat(p, "a=\"", value, "\"", NULL);
    const char *plain = apr_pstrcat(p, "a=", repeat(p, "x", 9000), "; Secure", NULL);
    const char *many = apr_pstrcat(p, "a=b", repeat(p, "; Path=/p", 1000), "; secure", NULL);
    const char *empties = apr_pstrcat(p, "a=b", repeat(p, ";", 10000), NULL);

    tap_is_str(phs_cookie_rewrite(p, policy, quoted, NULL),
               apr_pstrcat(p, quoted, "; HttpOnly", NULL),
               "a 10 KB quoted value full of ';secure' ends at its first "
               "';', as browsers read it");
    tap_is_str(phs_cookie_rewrite(p, policy, plain, NULL),
               apr_pstrcat(p, plain, "; HttpOnly", NULL),
               "a 9 KB value is kept whole");
    tap_is_str(phs_cookie_rewrite(p, policy, many, NULL),
               apr_pstrcat(p, many, "; HttpOnly", NULL),
               "Secure after 1000 attributes is found");
    tap_is_str(phs_cookie_rewrite(p, policy, empties, NULL), "a=b; Secure; HttpOnly",
               "10000 trailing ';' are dropped");
}

/* RFC 6265bis 5.6: an attribute value over 1024 bytes makes browsers
 * ignore the attribute, so the module does not count it either. */
static void test_attribute_value_limit(apr_pool_t *p)
{
    const phs_cookie_policy_t *policy = &policies[PRODUCTION];
    const char *at_limit = repeat(p, "x", 1024), *over = repeat(p, "x", 1025);
    const char *secure_over = apr_pstrcat(p, "a=b; Secure=", over, NULL);
    const char *httponly_over = apr_pstrcat(p, "a=b; HttpOnly= ", over, " ", NULL);
    const char *both_at = apr_pstrcat(p, "a=b; Secure=", at_limit,
                                      "; HttpOnly=  ", at_limit, NULL);
    const char *samesite_over = apr_pstrcat(p, "a=b; HttpOnly; SameSite=None; "
                                            "SameSite=", over, NULL);
    unsigned warnings = 0;

    tap_is_str(phs_cookie_rewrite(p, policy, secure_over, NULL),
               apr_pstrcat(p, secure_over, "; Secure; HttpOnly", NULL),
               "Secure with a 1025-byte value is not Secure");
    tap_is_str(phs_cookie_rewrite(p, policy, httponly_over, NULL),
               apr_pstrcat(p, "a=b; HttpOnly= ", over, "; Secure; HttpOnly", NULL),
               "HttpOnly with a 1025-byte value (blanks trimmed) is not HttpOnly");
    tap_ok(phs_cookie_rewrite(p, policy, both_at, NULL) == both_at,
           "attribute values of 1024 bytes count");
    phs_cookie_rewrite(p, &policies[DEBUG], samesite_over, &warnings);
    tap_ok(warnings == WARN_NONE, "an ignored SameSite does not hide the "
           "SameSite=None before it");
    tap_is_str(phs_cookie_rewrite(p, &policies[LAX],
                                  apr_pstrcat(p, "a=b; SameSite=", over, NULL), NULL),
               apr_pstrcat(p, "a=b; SameSite=", over,
                           "; Secure; HttpOnly; SameSite=Lax", NULL),
               "a SameSite with a 1025-byte value is none");
}

/* Raw response heads: where a head ends. */
typedef struct {
    const char *bytes;
    apr_size_t len;
    phs_raw_head_found_t found;
    apr_size_t head_len;
} head_end_case_t;

#define BYTES(literal) literal, sizeof(literal) - 1

static const head_end_case_t head_ends[] = {
    { BYTES("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"),
      PHS_RAW_HEAD_COMPLETE, 56 },
    { BYTES("HTTP/1.1 200 OK\r\n\r\n"), PHS_RAW_HEAD_COMPLETE, 19 },
    { BYTES("HTTP/1.1 200 OK\nA: b\n\nbody"), PHS_RAW_HEAD_COMPLETE, 22 },
    { BYTES("HTTP/1.1 200 OK\nA: b\n\r\nbody"), PHS_RAW_HEAD_COMPLETE, 23 },
    { BYTES("HTTP/1.1 200 OK\r\nA: b\r\n\nbody"), PHS_RAW_HEAD_COMPLETE, 24 },
    { BYTES("http/1.1 200 ok\n\n"), PHS_RAW_HEAD_COMPLETE, 17 },
    { BYTES("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
      PHS_RAW_HEAD_COMPLETE, 25 },
    { BYTES("HTTP/1.1 200 OK\r\nA: b\r\n"), PHS_RAW_HEAD_INCOMPLETE, 0 },
    { BYTES("HTTP/1.1 200 OK\r\nA: b\r\n\r"), PHS_RAW_HEAD_INCOMPLETE, 0 },
    { BYTES("HTTP/1.1 200 OK\r\r\nA: b\r\r\n\r\r\n"), PHS_RAW_HEAD_INCOMPLETE, 0 },
    { BYTES("HTTP/1.1 200 OK\n\r\r\n"), PHS_RAW_HEAD_INCOMPLETE, 0 },
    { BYTES(""), PHS_RAW_HEAD_INCOMPLETE, 0 },
    { BYTES("H"), PHS_RAW_HEAD_INCOMPLETE, 0 },
    { BYTES("hTt"), PHS_RAW_HEAD_INCOMPLETE, 0 },
    { BYTES("HTTP"), PHS_RAW_HEAD_INCOMPLETE, 0 },
    { BYTES("HTX"), PHS_RAW_HEAD_NOT_HTTP, 0 },
    { BYTES("Status: 200\r\n\r\n"), PHS_RAW_HEAD_NOT_HTTP, 0 },
    { BYTES(" HTTP/1.1 200 OK\r\n\r\n"), PHS_RAW_HEAD_NOT_HTTP, 0 },
    { BYTES("\r\nHTTP/1.1 200 OK\r\n\r\n"), PHS_RAW_HEAD_NOT_HTTP, 0 },
    { BYTES("ICY 200 OK\r\n\r\n"), PHS_RAW_HEAD_NOT_HTTP, 0 },
    { BYTES("\x81\x05hello"), PHS_RAW_HEAD_NOT_HTTP, 0 },
};

static void test_head_ends(apr_pool_t *p)
{
    size_t i;

    for (i = 0; i < COUNT(head_ends); i++) {
        const head_end_case_t *c = &head_ends[i];
        const char *name = printable(p, apr_pstrmemdup(p, c->bytes, c->len));
        apr_size_t head_len = 0, fed, incremental_len = 0;
        phs_raw_head_found_t found = phs_raw_head_find(c->bytes, c->len, 0,
                                                       &head_len), step = 0;

        tap_ok(found == c->found && (found != PHS_RAW_HEAD_COMPLETE
                                     || head_len == c->head_len),
               "head end of '%s': %d, %lu bytes (got %d, %lu)", name,
               c->found, (unsigned long)c->head_len, found,
               (unsigned long)head_len);
        /* Fed a byte at a time, as brigades may bring it. */
        for (fed = 0; fed <= c->len; fed++) {
            step = phs_raw_head_find(c->bytes, fed, fed ? fed - 1 : 0,
                                     &incremental_len);
            if (step != PHS_RAW_HEAD_INCOMPLETE)
                break;
        }
        tap_ok(step == found && (found != PHS_RAW_HEAD_COMPLETE
                                 || incremental_len == head_len),
               "'%s' fed a byte at a time gives the same end", name);
    }
}

/* Raw response heads: the rewrite. */
typedef struct {
    enum policy_id policy;
    const char *head;
    apr_size_t len;
    const char *expected;        /* NULL: returned as is (the same pointer) */
    int interim;
    int cookies;
} head_case_t;

#define HEAD(literal) literal, sizeof(literal) - 1

static const head_case_t head_cases[] = {
    /* What mod_proxy_http forwards with ap_send_interim_response(). */
    { PRODUCTION, HEAD("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSet-Cookie: ws=1; Path=/\r\n\r\n"),
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSet-Cookie: ws=1; Path=/; Secure; HttpOnly\r\n\r\n", 0, 1 },
    { PRODUCTION, HEAD("HTTP/1.1 101 Switching Protocols\r\n"
                       "Set-Cookie: sessionid=a; HttpOnly\r\nX-A: 1\r\n"
                       "Set-Cookie: posthog_csrftoken=b\r\n"
                       "Set-Cookie: done=1; Secure; HttpOnly\r\n\r\n"),
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Set-Cookie: sessionid=a; HttpOnly; Secure\r\nX-A: 1\r\n"
      "Set-Cookie: posthog_csrftoken=b; Secure\r\n"
      "Set-Cookie: done=1; Secure; HttpOnly\r\n\r\n", 0, 3 },
    { PRODUCTION, HEAD("HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: a=1; "
                       "secure; httponly\r\n\r\n"), NULL, 0, 1 },
    { PRODUCTION, HEAD("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"),
      NULL, 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\n\r\n"), NULL, 0, 0 },

    /* LF line ends are kept; the name in any case and spacing. */
    { PRODUCTION, HEAD("HTTP/1.0 200 OK\nset-cookie:a=1\nSET-COOKIE :  b=2 \n"
                       "Set-Cookie\t:c=3\n\n"),
      "HTTP/1.0 200 OK\nset-cookie:a=1; Secure; HttpOnly\n"
      "SET-COOKIE :  b=2; Secure; HttpOnly\nSet-Cookie\t:c=3; Secure; HttpOnly\n\n", 0, 3 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie2: a=1\r\nX-Set-Cookie: a=1\r\n"
                       "Set-Cookie a=1\r\nSet-Cookies: a=1\r\n\r\n"), NULL, 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie:\r\nSet-Cookie: ;\r\n\r\n"),
      NULL, 0, 2 },

    /* Folded lines: a Set-Cookie continued goes out on one line. */
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\n ; Path=/\r\n\tx=y\r\n"
                       "X-A: 1\r\n\r\n"),
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1 ; Path=/ x=y; Secure; HttpOnly\r\n"
      "X-A: 1\r\n\r\n", 0, 1 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\n ; Secure;\r\n"
                       "   HttpOnly\r\n\r\n"),
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1 ; Secure; HttpOnly\r\n\r\n", 0, 1 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\n Set-Cookie: b=2\r\n\r\n"),
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1 Set-Cookie: b=2; Secure; HttpOnly\r\n\r\n",
      0, 1 },
    /* A line starting with a blank continues another field's value... */
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nX-A: 1\r\n Set-Cookie: a=1\r\n\r\n"),
      NULL, 0, 0 },
    /* ...but after the status line, a line without a field name, or one
     * such line, Chromium reads it as a field of its own and Firefox does
     * not: it is dropped (RFC 9112 2.2). */
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\n Set-Cookie: a=1\r\nX-A: 1\r\n\r\n"),
      "HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n", 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\ngarbage\r\n\tSet-Cookie: a=1\r\n\r\n"),
      "HTTP/1.1 200 OK\r\ngarbage\r\n\r\n", 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\n: x\r\n Set-Cookie: a=1\r\n\r\n"),
      "HTTP/1.1 200 OK\r\n: x\r\n\r\n", 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\n Set-Cookie: a=1\n Set-Cookie: b=1\n"
                       "Set-Cookie: c=1\n \n\n"),
      "HTTP/1.1 200 OK\nSet-Cookie: c=1; Secure; HttpOnly\n\n", 0, 1 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\n Set-Cookie: a=1"),
      "HTTP/1.1 200 OK\r\n", 0, 0 },

    /* NUL and a CR not before LF become spaces: no browser sees a line
     * the module does not. */
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\0; Path=/\r\n\r\n"),
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1 ; Path=/; Secure; HttpOnly\r\n\r\n", 0, 1 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-\0Cookie: a=1\r\n\r\n"),
      "HTTP/1.1 200 OK\r\nSet- Cookie: a=1\r\n\r\n", 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nX-A: 1\rSet-Cookie: a=1\r\n\r\n"),
      "HTTP/1.1 200 OK\r\nX-A: 1 Set-Cookie: a=1\r\n\r\n", 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\rSet-Cookie: a=1\r\n\r\n"),
      "HTTP/1.1 200 OK Set-Cookie: a=1\r\n\r\n", 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r; Path=/\r\r\n\r\n"),
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1 ; Path=/; Secure; HttpOnly\r\n\r\n", 0, 1 },

    /* Status lines: 1xx but 101 means another head follows; so does a
     * status browsers may read differently (Firefox: atoi, 16 bits). */
    { PRODUCTION, HEAD("HTTP/1.1 100 Continue\r\n\r\n"), NULL, 1, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 103 Early Hints\r\nSet-Cookie: e=1\r\n\r\n"),
      "HTTP/1.1 103 Early Hints\r\nSet-Cookie: e=1; Secure; HttpOnly\r\n\r\n", 1, 1 },
    { PRODUCTION, HEAD("HTTP/1.1 199\r\n\r\n"), NULL, 1, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 101\r\n\r\n"), NULL, 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.0 404 Not Found\r\n\r\n"), NULL, 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1  200 OK\r\n\r\n"), NULL, 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 200OK\r\n\r\n"), NULL, 0, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 0100 Continue\r\n\r\n"), NULL, 1, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 65636 x\r\n\r\n"), NULL, 1, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 +100\r\n\r\n"), NULL, 1, 0 },
    { PRODUCTION, HEAD("HTTP/1.1 20\r\n\r\n"), NULL, 1, 0 },
    { PRODUCTION, HEAD("HTTP/1.1\t100\r\n\r\n"), NULL, 1, 0 },
    { PRODUCTION, HEAD("HTTP/1.1\r\n\r\n"), NULL, 1, 0 },

    /* A head cut short (the response ended inside it). */
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie: a=1"),
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Secure; HttpOnly", 0, 1 },
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r"),
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Secure; HttpOnly", 0, 1 },
    /* What follows the empty line is not the head's. */
    { PRODUCTION, HEAD("HTTP/1.1 200 OK\r\n\r\nSet-Cookie: a=1\r\n"), NULL, 0, 0 },

    /* The scope's policy, exemptions and __Host- included. */
    { DEBUG, HEAD("HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: a=1\r\n"
                  "Set-Cookie: __Host-b=2; Path=/\r\n\r\n"),
      "HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: a=1; HttpOnly\r\n"
      "Set-Cookie: __Host-b=2; Path=/; Secure; HttpOnly\r\n\r\n", 0, 2 },
    { NOTHING, HEAD("HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: a=1\r\n\r\n"),
      NULL, 0, 1 },
};

static void test_head_case(apr_pool_t *p, const head_case_t *c)
{
    const char *name = apr_psprintf(p, "[%s] head '%s'", policy_names[c->policy],
                                    printable(p, apr_pstrmemdup(p, c->head, c->len)));
    phs_raw_head_t out, again;

    phs_raw_head_rewrite(p, &policies[c->policy], c->head, c->len, &out, NULL);
    if (c->expected)
        tap_ok(out.len == strlen(c->expected)
               && !memcmp(out.text, c->expected, out.len), "%s becomes '%s' "
               "(got '%s')", name, printable(p, c->expected),
               printable(p, apr_pstrmemdup(p, out.text, out.len)));
    else
        tap_ok(out.text == c->head && out.len == c->len,
               "%s is returned as it is", name);
    tap_ok(out.interim == c->interim && out.cookies == c->cookies,
           "%s: interim %d, %d cookies (got %d, %d)", name, c->interim,
           c->cookies, out.interim, out.cookies);
    phs_raw_head_rewrite(p, &policies[c->policy], out.text, out.len, &again,
                         NULL);
    tap_ok(again.text == out.text, "%s: rewriting twice is the same as once",
           name);
}

static void test_raw_heads(apr_pool_t *p)
{
    const char *none = "HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: t=1; "
                       "SameSite=None\r\n\r\n";
    unsigned warnings = 0;
    phs_raw_head_t out;
    size_t i;

    for (i = 0; i < COUNT(head_cases); i++)
        test_head_case(p, &head_cases[i]);
    phs_raw_head_rewrite(p, &policies[DEBUG], none, strlen(none), &out,
                         &warnings);
    tap_ok(warnings == WARN_NONE, "a raw head's SameSite=None cookie without "
           "Secure raises the warning");
}

static apr_uint64_t rng_state = APR_UINT64_C(20240601);

/* splitmix64: the same sequence everywhere, so failures reproduce. */
static apr_uint64_t rng(void)
{
    apr_uint64_t z = (rng_state += APR_UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * APR_UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * APR_UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Random strings of random bytes, or of cookie-shaped pieces, which reach
 * far more interesting states than bytes alone. */
static char *random_cookie(char *buf, apr_size_t size)
{
    static const char *const pieces[] = {
        "a", "ph_", "__Host-", "__secure-", "=", "=", ";", ";", " ", "\t",
        "\"", ",", "Secure", "sEcUrE", "HttpOnly", "httponly", "SameSite",
        "=None", "none", "=Lax", "Path=/", "Expires=Wed, 21 Oct 2026", "\x01",
        "\xff",
    };
    apr_size_t len = 0, target = (apr_size_t)(rng() % (size - 32));
    int bytes = rng() % 4 == 0;

    while (len < target) {
        if (bytes) {
            buf[len++] = (char)(1 + rng() % 255);
        }
        else {
            const char *piece = pieces[rng() % COUNT(pieces)];
            apr_size_t n = strlen(piece);

            memcpy(buf + len, piece, n);
            len += n;
        }
    }
    buf[len] = '\0';
    return buf;
}

static int suffix_is_ours(const char *suffix)
{
    static const char *const allowed[] = {
        "; Secure", "; HttpOnly", "; SameSite=Strict", "; Secure; HttpOnly",
        "; Secure; SameSite=Strict", "; HttpOnly; SameSite=Strict",
        "; Secure; HttpOnly; SameSite=Strict",
    };
    size_t i;

    for (i = 0; i < COUNT(allowed); i++)
        if (!strcmp(suffix, allowed[i]))
            return 1;
    return 0;
}

/* Properties over random input: the original survives up to its trailing
 * ';' and blanks, we only ever append our attributes, and a second pass
 * finds nothing to add (so nothing we add is ever missed or doubled). */
static void test_random_inputs(apr_pool_t *p)
{
    const phs_cookie_policy_t *policy = &policies[STRICT_ALL];
    int i, kept = 1, appended = 1, idempotent = 1;
    char buf[512];

    for (i = 0; i < 200000; i++) {
        const char *in = random_cookie(buf, sizeof(buf));
        const char *out = phs_cookie_rewrite(p, policy, in, NULL);

        if (out != in) {
            apr_size_t keep = strlen(in);

            while (keep && strchr(" \t;", in[keep - 1]))
                keep--;
            if (strncmp(out, in, keep) && kept)
                kept = tap_ok(0, "random input keeps its text: '%s'", printable(p, in));
            if (!suffix_is_ours(out + keep) && appended)
                appended = tap_ok(0, "random input only gets our attributes: '%s' -> '%s'",
                                  printable(p, in), printable(p, out));
        }
        if (phs_cookie_rewrite(p, policy, out, NULL) != out && idempotent)
            idempotent = tap_ok(0, "random input is stable after one rewrite: '%s'",
                                printable(p, in));
        if (i % 1000 == 0)
            apr_pool_clear(p);
    }
    if (kept)
        tap_ok(1, "200000 random inputs keep their text");
    if (appended)
        tap_ok(1, "200000 random inputs only get our attributes");
    if (idempotent)
        tap_ok(1, "200000 random inputs are stable after one rewrite");
}

static void test_name_matches(apr_array_header_t *defaults, apr_pool_t *p)
{
    static const struct { const char *name; int want; } names[] = {
        { "posthog_csrftoken", 1 }, { "csrftoken", 1 }, { "ph_", 1 },
        { "ph_current_project_1", 1 }, { "ph_current_instance", 1 },
        { "csrftoken2", 0 }, { "csrftoke", 0 }, { "CSRFTOKEN", 0 },
        { "Ph_x", 0 }, { "ph", 0 }, { "xph_", 0 }, { "", 0 },
        { "sessionid", 0 }, { "ph_*x", 1 }, { "*", 0 }, { "c*", 0 },
    };
    apr_array_header_t *star = apr_array_make(p, 1, sizeof(phs_cookie_pattern_t));
    apr_array_header_t *empty = apr_array_make(p, 1, sizeof(phs_cookie_pattern_t));
    size_t i;

    for (i = 0; i < COUNT(names); i++)
        tap_ok(phs_cookie_name_matches(defaults, names[i].name, strlen(names[i].name))
               == names[i].want, "'%s' %s the default exemptions", names[i].name,
               names[i].want ? "matches" : "does not match");
    tap_ok(phs_cookie_name_matches(defaults, "csrftokenXYZ", 9),
           "only `len` bytes of the name are compared");
    tap_ok(!phs_cookie_name_matches(defaults, "ph_current", 2),
           "a name cut short of the prefix does not match");
    tap_ok(!phs_cookie_name_matches(NULL, "csrftoken", 9), "a NULL list matches nothing");
    tap_ok(!phs_cookie_name_matches(empty, "csrftoken", 9), "an empty list matches nothing");
    phs_cookie_pattern_push(star, "*");
    tap_ok(phs_cookie_name_matches(star, "anything", 8), "'*' matches any name");
    tap_ok(phs_cookie_name_matches(star, "", 0), "'*' matches the empty name");
}

static void test_pattern_check(apr_pool_t *p)
{
    static const char *const good[] = {
        "sessionid", "ph_*", "*", "__Host-x", "x*", "a!#$%&'+-.^_`|~1",
        "posthog_csrftoken",
    };
    static const char *const bad[] = {
        "", "a b", "a\tb", " a", "a;b", "a=b", "a,b", "\"a\"", "a/b", "a*b",
        "**", "*a", "a\x01", "a\x7f", "\xc3\xa9", "(a)", "a:b", "[a]", "{a}",
        "a?", "a@b", "a\\b", "<a>",
    };
    size_t i;

    for (i = 0; i < COUNT(good); i++) {
        const char *err = phs_cookie_pattern_check(p, good[i]);

        tap_ok(err == NULL, "pattern '%s' is accepted%s%s", good[i],
               err ? ": " : "", err ? err : "");
    }
    for (i = 0; i < COUNT(bad); i++) {
        const char *err = phs_cookie_pattern_check(p, bad[i]);
        /* Named as a log line shows it: no raw control or non-ASCII byte. */
        const char *quoted = apr_pstrcat(p, "'", phs_text_quote(p, bad[i],
                                         strlen(bad[i])), "'", NULL);

        tap_ok(err != NULL, "pattern '%s' is rejected", printable(p, bad[i]));
        tap_ok(err && strstr(err, quoted), "the error names '%s': %s",
               printable(p, bad[i]), err ? printable(p, err) : "(none)");
    }
}

static apr_array_header_t *default_exemptions(apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 3, sizeof(phs_cookie_pattern_t));

    phs_cookie_pattern_push(list, "posthog_csrftoken");
    phs_cookie_pattern_push(list, "csrftoken");
    phs_cookie_pattern_push(list, "ph_*");
    return list;
}

static void make_policies(apr_pool_t *p, apr_array_header_t *defaults)
{
    apr_array_header_t *star = apr_array_make(p, 1, sizeof(phs_cookie_pattern_t));

    phs_cookie_pattern_push(star, "*");
    policies[PRODUCTION] = (phs_cookie_policy_t){ 1, 1, defaults, NULL };
    policies[DEBUG] = (phs_cookie_policy_t){ 0, 1, defaults, NULL };
    policies[LAX] = (phs_cookie_policy_t){ 1, 1, defaults, "Lax" };
    policies[SAMESITE_NONE] = (phs_cookie_policy_t){ 0, 0, NULL, "None" };
    policies[NOTHING] = (phs_cookie_policy_t){ 0, 0, NULL, NULL };
    policies[STRICT_ALL] = (phs_cookie_policy_t){ 1, 1, NULL, "Strict" };
    policies[EXEMPT_ALL] = (phs_cookie_policy_t){ 0, 1, star, NULL };
}

int main(void)
{
    apr_pool_t *p, *scratch;
    apr_array_header_t *defaults;

    apr_initialize();
    apr_pool_create(&p, NULL);
    apr_pool_create(&scratch, p);
    defaults = default_exemptions(p);
    make_policies(p, defaults);
    test_table(p);
    test_null_warnings(p);
    test_warnings_accumulate(p);
    test_large_inputs(p);
    test_attribute_value_limit(p);
    test_head_ends(p);
    test_raw_heads(p);
    test_random_inputs(scratch);
    test_name_matches(defaults, p);
    test_pattern_check(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
