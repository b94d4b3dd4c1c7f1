/* Unit tests of the client-IP header walk: a table of chains, spoofing
 * attempts, garbage, ports, brackets, IPv6, hop counts and long headers. */
#include "tap.h"
#include "phs_client_ip.h"

#include <apr_general.h>
#include <apr_strings.h>

enum trust_kind { NONE, LIST, ALL, HOPS1, HOPS2, HOPS3, LIST_HOPS2,
                  RFC_LIST, RFC_HOPS2, TRUSTS };
static const char *const trust_names[] = {
    "no trust", "list", "trust all", "hops=1", "hops=2", "hops=3",
    "list+hops=2", "Forwarded, list", "Forwarded, hops=2"
};

/* Trusted proxies of the LIST configurations. */
#define TRUSTED "10.0.0.0/8, 127.0.0.2, 2001:db8::/32, 192.168.1.1"

typedef struct {
    enum trust_kind trust;
    const char *peer;
    const char *header;           /* NULL: absent */
    phs_client_source_t source;
    const char *client;           /* expected with PHS_CLIENT_FORWARDED */
    const char *remainder;        /* expected remainder, NULL for none */
} walk_case_t;

#define P PHS_CLIENT_PEER
#define F PHS_CLIENT_FORWARDED
#define U PHS_CLIENT_UNKNOWN

static const walk_case_t cases[] = {
    /* No trust configured: the header is never used. */
    { NONE, "10.0.0.1", "1.2.3.4", P, NULL, NULL },
    { NONE, "127.0.0.2", "garbage", P, NULL, NULL },
    /* Spoofing from an untrusted peer: ignored entirely. */
    { LIST, "203.0.113.9", "1.2.3.4", P, NULL, NULL },
    { LIST, "203.0.113.9", "10.0.0.5, 127.0.0.1", P, NULL, NULL },
    { LIST, "203.0.113.9", "garbage", P, NULL, NULL },
    { LIST, "::1", "1.2.3.4", P, NULL, NULL },
    /* A trusted peer, a single hop. */
    { LIST, "10.0.0.1", "198.51.100.7", F, "198.51.100.7", NULL },
    { LIST, "127.0.0.2", "198.51.100.7", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", NULL, P, NULL, NULL },
    { LIST, "10.0.0.1", "", P, NULL, NULL },
    { LIST, "10.0.0.1", " , ,", P, NULL, NULL },
    /* Chains: trusted hops consumed right to left. */
    { LIST, "10.0.0.1", "198.51.100.7, 10.1.1.1", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "198.51.100.7, 10.1.1.1, 10.2.2.2", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.1.1", F, "198.51.100.7", "6.6.6.6" },
    { LIST, "10.0.0.1", "1.1.1.1, 2.2.2.2, 3.3.3.3", F, "3.3.3.3", "1.1.1.1, 2.2.2.2" },
    { LIST, "10.0.0.1", "10.9.9.9, 1.1.1.1, 10.1.1.1", F, "1.1.1.1", "10.9.9.9" },
    /* All trusted: the leftmost. */
    { LIST, "10.0.0.1", "10.3.3.3, 10.2.2.2", F, "10.3.3.3", NULL },
    { LIST, "10.0.0.1", "192.168.1.1", F, "192.168.1.1", NULL },
    /* Spoofed entries left of the real client stay in the remainder. */
    { LIST, "10.0.0.1", "127.0.0.1, 198.51.100.7", F, "198.51.100.7", "127.0.0.1" },
    { LIST, "10.0.0.1", "10.0.0.99, 198.51.100.7, 10.0.0.2", F, "198.51.100.7", "10.0.0.99" },
    /* Ports and brackets. */
    { LIST, "10.0.0.1", "198.51.100.7:4711", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "198.51.100.7:65535", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "[2001:db9::1]", F, "2001:db9::1", NULL },
    { LIST, "10.0.0.1", "[2001:db9::1]:443", F, "2001:db9::1", NULL },
    { LIST, "10.0.0.1", "2001:db9::1", F, "2001:db9::1", NULL },
    { LIST, "10.0.0.1", "198.51.100.7, [2001:db8::5]:80", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "198.51.100.7:99999", U, NULL, NULL },
    { LIST, "10.0.0.1", "198.51.100.7:", U, NULL, NULL },
    { LIST, "10.0.0.1", "198.51.100.7:-1", U, NULL, NULL },
    { LIST, "10.0.0.1", "[198.51.100.7]", U, NULL, NULL },
    { LIST, "10.0.0.1", "[2001:db9::1", U, NULL, NULL },
    { LIST, "10.0.0.1", "[2001:db9::1]x", U, NULL, NULL },
    { LIST, "10.0.0.1", "2001:db9::1:80:", U, NULL, NULL },
    /* Spaces, tabs, empty entries, several header lines joined. */
    { LIST, "10.0.0.1", "  198.51.100.7\t,\t10.1.1.1  ", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "198.51.100.7,,10.1.1.1,", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.1.1", F, "198.51.100.7", "6.6.6.6" },
    /* IPv6 and IPv4-mapped. */
    { LIST, "2001:db8::1", "198.51.100.7", F, "198.51.100.7", NULL },
    { LIST, "::ffff:10.0.0.1", "198.51.100.7", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "::ffff:198.51.100.7", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "198.51.100.7, ::ffff:10.1.1.1", F, "198.51.100.7", NULL },
    { LIST, "10.0.0.1", "2001:db9::7, 2001:db8::2", F, "2001:db9::7", NULL },
    /* Garbage reached during the walk: unknown. */
    { LIST, "10.0.0.1", "garbage", U, NULL, NULL },
    { LIST, "10.0.0.1", "unknown", U, NULL, NULL },
    { LIST, "10.0.0.1", "198.51.100.7, garbage", U, NULL, NULL },
    { LIST, "10.0.0.1", "posthog.example.com", U, NULL, NULL },
    { LIST, "10.0.0.1", "fe80::1%eth0", U, NULL, NULL },
    { LIST, "10.0.0.1", "1.2.3", U, NULL, NULL },
    { LIST, "10.0.0.1", "10.0.0.0/8", U, NULL, NULL },
    { LIST, "10.0.0.1", "_hidden, 10.1.1.1", U, NULL, NULL },
    /* Garbage not reached (left of the client): kept, not fatal. */
    { LIST, "10.0.0.1", "garbage, 198.51.100.7", F, "198.51.100.7", "garbage" },
    { LIST, "10.0.0.1", "x y z, 198.51.100.7, 10.1.1.1", F, "198.51.100.7", "x y z" },
    /* Trust all: the leftmost, from any peer. */
    { ALL, "203.0.113.9", "1.2.3.4", F, "1.2.3.4", NULL },
    { ALL, "203.0.113.9", "1.2.3.4, 5.6.7.8, 9.9.9.9", F, "1.2.3.4", NULL },
    { ALL, "203.0.113.9", NULL, P, NULL, NULL },
    { ALL, "203.0.113.9", "garbage, 5.6.7.8", U, NULL, NULL },
    { ALL, "203.0.113.9", "[::1]:8080, 5.6.7.8", F, "::1", NULL },
    /* Hop counts: the Nth from the right. */
    { HOPS1, "203.0.113.9", "1.2.3.4, 5.6.7.8, 9.9.9.9", F, "9.9.9.9", "1.2.3.4, 5.6.7.8" },
    { HOPS2, "203.0.113.9", "1.2.3.4, 5.6.7.8, 9.9.9.9", F, "5.6.7.8", "1.2.3.4" },
    { HOPS3, "203.0.113.9", "1.2.3.4, 5.6.7.8, 9.9.9.9", F, "1.2.3.4", NULL },
    { HOPS3, "203.0.113.9", "5.6.7.8, 9.9.9.9", U, NULL, NULL },
    { HOPS1, "203.0.113.9", NULL, U, NULL, NULL },
    { HOPS1, "203.0.113.9", "", U, NULL, NULL },
    { HOPS2, "203.0.113.9", "9.9.9.9", U, NULL, NULL },
    { HOPS2, "203.0.113.9", "garbage, 5.6.7.8, 9.9.9.9", F, "5.6.7.8", "garbage" },
    { HOPS2, "203.0.113.9", "1.2.3.4, garbage, 9.9.9.9", U, NULL, NULL },
    { HOPS2, "203.0.113.9", "1.2.3.4, 5.6.7.8, garbage", U, NULL, NULL },
    { HOPS1, "203.0.113.9", "1.2.3.4,,, 9.9.9.9", F, "9.9.9.9", "1.2.3.4" },
    /* Hops with a list: only from a trusted peer. */
    { LIST_HOPS2, "203.0.113.9", "1.2.3.4, 5.6.7.8", P, NULL, NULL },
    { LIST_HOPS2, "10.0.0.1", "1.2.3.4, 5.6.7.8", F, "1.2.3.4", NULL },
    { LIST_HOPS2, "10.0.0.1", "5.6.7.8", U, NULL, NULL },
    /* RFC 7239 Forwarded, its own examples first (sections 4, 7.1, 7.4,
     * 6.3), from a trusted peer. */
    { RFC_LIST, "10.0.0.1", "for=\"_gazonk\"", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "For=\"[2001:db8:cafe::17]:4711\"", F, "2001:db8:cafe::17", NULL },
    { RFC_LIST, "10.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43", F, "192.0.2.60", NULL },
    { RFC_LIST, "10.0.0.1", "for=192.0.2.43, for=198.51.100.17", F, "198.51.100.17", "for=192.0.2.43" },
    /* 2001:db8::/32 is in the trusted list: consumed. */
    { RFC_LIST, "10.0.0.1", "for=192.0.2.43, for=\"[2001:db8:cafe::17]\"", F, "192.0.2.43", NULL },
    { RFC_LIST, "10.0.0.1", "for=192.0.2.43, for=\"[2001:db9:cafe::17]\"", F, "2001:db9:cafe::17", "for=192.0.2.43" },
    { RFC_LIST, "10.0.0.1", "for=192.0.2.43, for=10.1.1.1", F, "192.0.2.43", NULL },
    { RFC_LIST, "10.0.0.1", "for=unknown", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=_hidden, for=_SEVKISEK", U, NULL, NULL },
    /* Quoting, ports, case, spacing, other parameters. */
    { RFC_LIST, "10.0.0.1", "for=\"192.0.2.43:47011\"", F, "192.0.2.43", NULL },
    { RFC_LIST, "10.0.0.1", "for=\"192.0.2.43:_port\"", F, "192.0.2.43", NULL },
    { RFC_LIST, "10.0.0.1", "for=\"[2001:db8::5]:_x\"", F, "2001:db8::5", NULL },
    /* obfport = "_" 1*(ALPHA / DIGIT / "." / "_" / "-"): `_` alone is none. */
    { RFC_LIST, "10.0.0.1", "for=\"192.0.2.43:_\"", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=\"[2001:db8::5]:_\"", U, NULL, NULL },
    /* PHS_FORWARDED_NODE_MAX: 61 bytes read, a longer obfuscated port not. */
    { RFC_LIST, "10.0.0.1", "for=\"192.0.2.43:_ppppppppppppppppppppppppppppppppppppppppppppppppp\"", F, "192.0.2.43", NULL },
    { RFC_LIST, "10.0.0.1", "for=\"192.0.2.43:_pppppppppppppppppppppppppppppppppppppppppppppppppp\"", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "by=10.1.1.1; FOR=198.51.100.7 ;host=\"a;b\"", F, "198.51.100.7", NULL },
    { RFC_LIST, "10.0.0.1", "for=\"198.51\\.100.7\"", F, "198.51.100.7", NULL },
    { RFC_LIST, "10.0.0.1", "for=198.51.100.7, for=\"[::ffff:10.1.1.1]\"", F, "198.51.100.7", NULL },
    /* Malformed elements reached during the walk: unknown. */
    { RFC_LIST, "10.0.0.1", "198.51.100.7", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "proto=https", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=198.51.100.7;for=10.1.1.1", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=\"198.51.100.7", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=198.51.100.7;", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=198.51.100.7 proto=http", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=[2001:db8::5]", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=\"[2001:db8::5]:99999\"", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=\"\"", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=posthog.example.com", U, NULL, NULL },
    { RFC_LIST, "10.0.0.1", "for=198.51.100.7, for=\"a,b\"", U, NULL, NULL },
    /* Malformed left of the client: kept, not fatal; untrusted peer:
     * ignored; hop counts as with X-Forwarded-For. */
    { RFC_LIST, "10.0.0.1", "garbage, for=198.51.100.7", F, "198.51.100.7", "garbage" },
    { RFC_LIST, "203.0.113.9", "for=198.51.100.7", P, NULL, NULL },
    { RFC_HOPS2, "203.0.113.9", "for=1.2.3.4, for=5.6.7.8, for=9.9.9.9", F, "5.6.7.8", "for=1.2.3.4" },
    { RFC_HOPS2, "203.0.113.9", "for=9.9.9.9", U, NULL, NULL },
};

static phs_trust_t trusts[TRUSTS];

static void make_trusts(apr_pool_t *p)
{
    phs_ip_set_t *list = phs_ip_set_make(p);

    phs_ip_set_add_list(list, TRUSTED);
    phs_ip_set_seal(list);
    memset(trusts, 0, sizeof(trusts));
    trusts[LIST].trusted = list;
    trusts[ALL].trust_all = 1;
    trusts[HOPS1].hops = 1;
    trusts[HOPS2].hops = 2;
    trusts[HOPS3].hops = 3;
    trusts[LIST_HOPS2].trusted = list;
    trusts[LIST_HOPS2].hops = 2;
    trusts[RFC_LIST].trusted = list;
    trusts[RFC_LIST].rfc7239 = 1;
    trusts[RFC_HOPS2].hops = 2;
    trusts[RFC_HOPS2].rfc7239 = 1;
}

static phs_ip_t ip(const char *text)
{
    phs_ip_t out;

    if (!phs_ip_parse(text, strlen(text), &out))
        printf("# bad address in the test table: %s\n", text);
    return out;
}

static void run_case(apr_pool_t *p, const walk_case_t *c)
{
    static const char *const sources[] = { "peer", "forwarded", "unknown" };
    phs_ip_t peer = ip(c->peer);
    phs_client_t got;
    char buf[PHS_IP_TEXT_MAX];
    int pass;

    phs_client_resolve(p, &trusts[c->trust], &peer, NULL, c->header, &got);
    pass = got.source == c->source;
    if (pass && c->source == F)
        pass = !strcmp(phs_ip_format(&got.client, buf), c->client)
               && got.client_text && !strcmp(got.client_text, c->client)
               && ((!got.remainder && !c->remainder)
                   || (got.remainder && c->remainder
                       && !strcmp(got.remainder, c->remainder)));
    if (pass && c->source == U)
        pass = got.reason != NULL;
    tap_ok(pass, "%s, peer %s, header '%s': %s %s", trust_names[c->trust],
           c->peer, c->header ? c->header : "(absent)", sources[c->source],
           c->client ? c->client : "");
    if (!pass)
        printf("#   got %s %s remainder '%s' reason '%s'\n",
               sources[got.source], phs_ip_format(&got.client, buf),
               got.remainder ? got.remainder : "(none)",
               got.reason ? got.reason : "");
}

/* proto= of the client's element decides the scheme, no other element's. */
static void test_rfc7239_proto(apr_pool_t *p)
{
    static const struct { const char *header; int https; } cases[] = {
        { "for=198.51.100.7;proto=https", 1 },
        { "for=198.51.100.7;proto=HTTPS", 1 },
        { "for=198.51.100.7;proto=\"https\"", 1 },
        { "for=198.51.100.7;proto=http", 0 },
        { "for=198.51.100.7", 0 },
        { "for=198.51.100.7;proto=https, for=10.1.1.1;proto=http", 1 },
        { "for=198.51.100.7;proto=http, for=10.1.1.1;proto=https", 0 },
        { "for=6.6.6.6;proto=https, for=198.51.100.7;proto=http", 0 },
    };
    phs_ip_t peer = ip("10.0.0.1");
    phs_client_t got;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        phs_client_resolve(p, &trusts[RFC_LIST], &peer, NULL, cases[i].header,
                           &got);
        tap_ok(got.source == F && got.https == cases[i].https,
               "Forwarded '%s': %s", cases[i].header,
               cases[i].https ? "https" : "not https");
    }
}

/* The consumed proxies are noted, peer first. */
static void test_proxies_note(apr_pool_t *p)
{
    phs_ip_t peer = ip("10.0.0.1");
    phs_client_t got;

    phs_client_resolve(p, &trusts[LIST], &peer, NULL,
                       "6.6.6.6, 198.51.100.7, 10.1.1.1, [2001:db8::9]:80", &got);
    tap_is_str(got.proxies, "10.0.0.1,2001:db8::9,10.1.1.1",
               "the proxies note lists the peer and the consumed hops");
    /* Bare dotted quads are copied from the header, the rest formatted:
     * either way the note and the client are canonical and trimmed. */
    phs_client_resolve(p, &trusts[LIST], &peer, NULL, " 198.51.100.7 ,\t10.1.1.1:8080"
                       " , [::ffff:10.2.2.2] ,10.3.3.3\t", &got);
    tap_is_str(got.proxies, "10.0.0.1,10.3.3.3,10.2.2.2,10.1.1.1",
               "the note: copied, formatted and trimmed entries");
    tap_is_str(got.client_text, "198.51.100.7", "the client's text, trimmed");
    /* IPv4-mapped text, bare: IPv4 addresses, written as dotted quads. */
    phs_client_resolve(p, &trusts[LIST], &peer, NULL, "::FFFF:198.51.100.7, "
                       "::ffff:10.1.1.1,0:0::ffff:10.2.2.2", &got);
    tap_is_str(got.proxies, "10.0.0.1,10.2.2.2,10.1.1.1",
               "the note: bare IPv4-mapped hops as dotted quads");
    tap_is_str(got.client_text, "198.51.100.7",
               "a bare IPv4-mapped client as a dotted quad");
    phs_client_resolve(p, &trusts[LIST], &peer, "10.0.0.1", "198.51.100.7, "
                       "10.1.1.1", &got);
    tap_is_str(got.proxies, "10.0.0.1,10.1.1.1", "the peer's text, when "
               "given, starts the note");
    phs_client_resolve(p, &trusts[LIST], &peer, NULL, "2001:DB8:0::1:0:0:7, 10.1.1.1",
                       &got);
    tap_is_str(got.client_text, "2001:db8::1:0:0:7",
               "an IPv6 client's text is canonical (RFC 5952)");
    /* Blank entries at the left: the leftmost address is the client, and
     * the client is never noted as a proxy. */
    phs_client_resolve(p, &trusts[ALL], &peer, NULL, " , ,10.1.1.1, 10.2.2.2", &got);
    tap_is_str(got.proxies, "10.0.0.1,10.2.2.2",
               "blank entries left of the client: it is not in the note");
    tap_is_str(got.client_text, "10.1.1.1", "... and it is the client");
    /* A canonical address one byte longer than its entry, 60 times: more
     * than the header's length (fuzz/corpus/forwarded/note-outgrows-header
     * is the same under AddressSanitizer with exact allocations). */
    {
        const char *longer = "1:0:3:4:5:6:7:8", *header = "1.2.3.4";
        const char *want = "10.0.0.1";
        int i;

        for (i = 0; i < 60; i++) {
            header = apr_pstrcat(p, header, ",1::3:4:5:6:7:8", NULL);
            want = apr_pstrcat(p, want, ",", longer, NULL);
        }
        phs_client_resolve(p, &trusts[ALL], &peer, NULL, header, &got);
        tap_is_str(got.proxies, want, "a note longer than the header is "
                   "whole (60 addresses each a byte longer than its entry)");
    }
    phs_client_resolve(p, &trusts[LIST], &peer, NULL, "1.2.3.4,  garbage\t", &got);
    tap_ok(got.reason && strstr(got.reason, "'garbage'") != NULL,
           "the reason names the unparseable entry, trimmed: %s", got.reason);
    phs_client_resolve(p, &trusts[LIST], &peer, NULL, "evil\n[error] forged", &got);
    tap_ok(got.reason && !strchr(got.reason, '\n')
           && strstr(got.reason, "evil\\x0a[error]\\x20forged") != NULL,
           "a control byte in the entry is escaped in the reason");
}

/* A 1000-entry header: trusted hops all the way, and a client at the far
 * left; and the same from an untrusted peer. */
static void test_long_headers(apr_pool_t *p)
{
    apr_array_header_t *parts = apr_array_make(p, 1001, sizeof(char *));
    phs_ip_t peer = ip("10.0.0.1"), outsider = ip("203.0.113.9");
    phs_client_t got;
    char buf[PHS_IP_TEXT_MAX];
    const char *header;
    int i;

    APR_ARRAY_PUSH(parts, char *) = "198.51.100.7";
    for (i = 0; i < 999; i++)
        APR_ARRAY_PUSH(parts, char *) = apr_psprintf(p, "10.%d.%d.1",
                                                     i / 250, i % 250);
    header = apr_array_pstrcat(p, parts, ',');
    phs_client_resolve(p, &trusts[LIST], &peer, NULL, header, &got);
    tap_ok(got.source == F && !strcmp(phs_ip_format(&got.client, buf),
                                      "198.51.100.7"),
           "1000 entries: 999 trusted hops consumed, the client found");
    phs_client_resolve(p, &trusts[ALL], &peer, NULL, header, &got);
    tap_ok(got.source == F && !strcmp(phs_ip_format(&got.client, buf),
                                      "198.51.100.7"),
           "1000 entries, trust all: the leftmost");
    phs_client_resolve(p, &trusts[HOPS3], &peer, NULL, header, &got);
    tap_ok(got.source == F && !strcmp(phs_ip_format(&got.client, buf),
                                      "10.3.246.1"),
           "1000 entries, hops=3: the third from the right");
    phs_client_resolve(p, &trusts[LIST], &outsider, NULL, header, &got);
    tap_ok(got.source == P, "1000 entries from an untrusted peer: ignored");
}

static void test_entry_parse(void)
{
    static const char *const good[] = {
        "1.2.3.4", " 1.2.3.4 ", "\t1.2.3.4", "1.2.3.4:1", "[::1]", "[::1]:0",
        "::1", "[::ffff:1.2.3.4]:80",
    };
    static const char *const bad[] = {
        "", " ", "1.2.3.4:", ":80", "1.2.3.4:80:80", "[1.2.3.4]", "[]",
        "[::1]80", "[::1]:", "[::1]:123456", "1.2.3.4 5", "localhost",
        "1.2.3.4:0x50", "[fe80::1%25eth0]",
    };
    phs_ip_t out;
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(*good); i++)
        tap_ok(phs_forwarded_entry_parse(good[i], strlen(good[i]), &out),
               "entry '%s' parses", good[i]);
    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        tap_ok(!phs_forwarded_entry_parse(bad[i], strlen(bad[i]), &out),
               "entry '%s' is refused", bad[i]);
}

int main(void)
{
    apr_pool_t *p;
    size_t i;

    apr_initialize();
    apr_pool_create(&p, NULL);
    make_trusts(p);
    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        run_case(p, &cases[i]);
    test_proxies_note(p);
    test_rfc7239_proto(p);
    test_long_headers(p);
    test_entry_parse();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
