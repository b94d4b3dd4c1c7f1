/* Unit tests for modules/ip_addr.c: the address and CIDR grammar, error
 * messages, RFC 5952 formatting and socket addresses. */
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "phs_ip_addr.h"
#include "tap.h"

static apr_pool_t *pool;

static int contains_text(const char *haystack, const char *needle)
{
    return haystack && strstr(haystack, needle) != NULL;
}

/* The token as the message must show it: quoted, with whitespace, control
 * bytes, quotes and backslashes as \xHH. */
static void quote_expected(const char *token, char *out)
{
    *out++ = '\'';
    for (; *token; token++) {
        unsigned char c = (unsigned char)*token;
        if (c <= 0x20 || c >= 0x7f || c == '\'' || c == '\\')
            out += sprintf(out, "\\x%02x", c);
        else
            *out++ = (char)c;
    }
    strcpy(out, "'");
}

static int parses(const char *text, apr_size_t len)
{
    phs_ip_t ip;
    return phs_ip_parse(text, len, &ip);
}

static const char *reformat(const char *text)
{
    static char buf[PHS_IP_TEXT_MAX];
    phs_ip_t ip;

    if (!phs_ip_parse(text, strlen(text), &ip))
        return "(rejected)";
    return phs_ip_format(&ip, buf);
}

static void test_accepted_forms(void)
{
    /* input, RFC 5952 / dotted-quad output */
    static const char *const cases[][2] = {
        { "0.0.0.0", "0.0.0.0" },
        { "255.255.255.255", "255.255.255.255" },
        { "1.2.3.4", "1.2.3.4" },
        { "10.0.0.1", "10.0.0.1" },
        { "192.168.100.200", "192.168.100.200" },
        { "::", "::" },
        { "::1", "::1" },
        { "1::", "1::" },
        { "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
        { "2001:db8::1", "2001:db8::1" },
        { "2001:DB8::A:b:C", "2001:db8::a:b:c" },
        { "FE80::1", "fe80::1" },
        { "0001:0002::0003", "1:2::3" },
        { "0:0:0:0:0:0:0:0", "::" },
        { "0:0:0:0:0:0:0:1", "::1" },
        { "1:0:0:0:0:0:0:0", "1::" },
        { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },  /* tie: first run */
        { "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },        /* longest run */
        { "1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0" },         /* lone zeros stay */
        { "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0" },         /* :: for one group */
        { "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8" },
        { "1:2:3::6:7:8", "1:2:3::6:7:8" },
        { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "::ffff:1.2.3.4", "1.2.3.4" },                  /* mapped = IPv4 */
        { "::FFFF:0.0.0.0", "0.0.0.0" },
        { "0:0:0:0:0:ffff:102:304", "1.2.3.4" },
        { "64:ff9b::1.2.3.4", "64:ff9b::102:304" },
        { "::1.2.3.4", "::102:304" },
        { "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304" },
        { "1::255.255.255.255", "1::ffff:ffff" },
        { "::ffff:1:2", "0.1.0.2" },                      /* mapped too */
        { "::fffe:1:2", "::fffe:1:2" },                   /* not mapped */
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        tap_is_str(reformat(cases[i][0]), cases[i][1], cases[i][0]);
}

static void test_parsed_values(void)
{
    phs_ip_t ip;

    tap_ok(phs_ip_parse("1.2.3.4", 7, &ip) && ip.hi == 0
           && ip.lo == APR_UINT64_C(0x0000ffff01020304),
           "1.2.3.4 is stored as ::ffff:1.2.3.4");
    tap_ok(phs_ip_parse("::1", 3, &ip) && ip.hi == 0 && ip.lo == 1,
           "::1 value");
    tap_ok(phs_ip_parse("8000::", 6, &ip)
           && ip.hi == APR_UINT64_C(0x8000000000000000) && ip.lo == 0,
           "8000:: value (top bit)");
    tap_ok(phs_ip_parse("1:2:3:4:5:6:7:8", 15, &ip)
           && ip.hi == APR_UINT64_C(0x0001000200030004)
           && ip.lo == APR_UINT64_C(0x0005000600070008),
           "1:2:3:4:5:6:7:8 value");
    tap_ok(phs_ip_parse("1.2.3.4xyz", 7, &ip), "only len bytes are read");
    tap_ok(phs_ip_parse("::ffff:1.2.3.4", 14, &ip) && phs_ip_is_v4(&ip),
           "::ffff:1.2.3.4 is IPv4");
    tap_ok(phs_ip_parse("10.0.0.1", 8, &ip) && phs_ip_is_v4(&ip),
           "10.0.0.1 is IPv4");
    tap_ok(phs_ip_parse("::1", 3, &ip) && !phs_ip_is_v4(&ip), "::1 is not IPv4");
    tap_ok(phs_ip_parse("::ffff:0:0", 10, &ip) && phs_ip_is_v4(&ip),
           "::ffff:0:0 is IPv4 (0.0.0.0)");
    tap_ok(phs_ip_parse("::fffe:0:0", 10, &ip) && !phs_ip_is_v4(&ip),
           "::fffe:0:0 is not IPv4");
    tap_ok(phs_ip_parse("1::ffff:0:0", 11, &ip) && !phs_ip_is_v4(&ip),
           "1::ffff:0:0 is not IPv4");
}

static void test_rejected_forms(void)
{
    static const char *const cases[] = {
        "", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1.2.3.999",
        "1000.1.1.1", "010.1.1.1", "1.02.3.4", "1.2.3.04", "00.1.1.1",
        "0.0.0.00", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4",
        "1.2.3.4\n", "1.2.3.4\t", "1.2 .3.4", "a.b.c.d", "foo.example",
        "localhost", "1.2.3.-4", "+1.2.3.4", "1.2.3.+4", "0x1.2.3.4",
        "4294967295", "1.2.3.4:80", "[::1]", "[::1]:443", "fe80::1%eth0",
        "fe80::1%1", ":", ":::", "1:::2", "1::2::3", ":1::", ":1:2:3:4:5:6:7",
        "1::2:", "1:2:3:4:5:6:7:8:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "12345::", "::12345", "::g", "g::", "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", "::ffff:1.2.3",
        "::ffff:1.2.3.4.5", "::1.2.3.4:1", "1.2.3.4::", "::ffff:01.2.3.4",
        "::ffff:256.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6:7:8:1.2.3.4",
        "1.2.3.4/24", "::/0", "- 1", "1.2.3.4,", "\xd9\xa3.1.1.1",
        "1:2:3:4:5:6:7:8 ", "::ffff:1.2.3.4 ", "1.2.3.4.", "::1.2.3",
        "::1.2.3.4.", "2001:db8::1/64",
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char shown[200];
        quote_expected(cases[i], shown);
        tap_ok(!parses(cases[i], strlen(cases[i])), "rejects %s", shown);
    }
    tap_ok(!parses("1.2.3.4\0", 8), "rejects an embedded NUL (v4)");
    tap_ok(!parses("::1\0", 4), "rejects an embedded NUL (v6)");
    tap_ok(!parses("1.2\0.3.4", 8), "rejects a NUL inside");
}

typedef struct {
    const char *token;
    const char *base;   /* formatted base after normalisation */
    unsigned bits;
} cidr_case_t;

static void test_cidr_accepted(void)
{
    static const cidr_case_t cases[] = {
        { "10.0.0.1/8", "10.0.0.0", 104 },
        { "192.168.0.0/31", "192.168.0.0", 127 },
        { "192.168.0.1/31", "192.168.0.0", 127 },
        { "127.0.0.0/25", "127.0.0.0", 121 },
        { "127.0.0.200/25", "127.0.0.128", 121 },
        { "128.0.0.1", "128.0.0.1", 128 },
        { "1.2.3.4/32", "1.2.3.4", 128 },
        { "1.2.3.5/31", "1.2.3.4", 127 },
        { "0.0.0.0/0", "0.0.0.0", 96 },
        { "255.255.255.255/0", "0.0.0.0", 96 },
        { "255.255.255.255/1", "128.0.0.0", 97 },
        { "10.20.30.40/16", "10.20.0.0", 112 },
        { "::/0", "::", 0 },
        { "ffff::1/0", "::", 0 },
        { "::1", "::1", 128 },
        { "::1/128", "::1", 128 },
        { "2001:db8::1/127", "2001:db8::", 127 },
        { "2001:db8::3/127", "2001:db8::2", 127 },
        { "2001:db8::ff/120", "2001:db8::", 120 },
        { "2001:db8:1234:5678::1/32", "2001:db8::", 32 },
        { "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/64", "2001:db8:ffff:ffff::", 64 },
        { "2001:db8::/65", "2001:db8::", 65 },
        { "2001:db8::ffff:ffff:ffff:ffff/65", "2001:db8:0:0:8000::", 65 },
        { "ffff:ffff::/1", "8000::", 1 },
        { "::ffff:10.1.2.3/104", "10.0.0.0", 104 },   /* v6 form: 128-bit prefix */
        { "::ffff:10.1.2.3/96", "0.0.0.0", 96 },
        { "::ffff:10.1.2.3/95", "::fffe:0:0", 95 },
        { "::ffff:1.2.3.4/128", "1.2.3.4", 128 },
        { "64:ff9b::1.2.3.4/96", "64:ff9b::", 96 },
        { "1.2.3.4/0", "0.0.0.0", 96 },
        { "1.2.3.4/9", "1.0.0.0", 105 },
        { "1.2.3.4/10", "1.0.0.0", 106 },
        { "1.255.3.4/10", "1.192.0.0", 106 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        phs_cidr_t cidr;
        char buf[PHS_IP_TEXT_MAX];
        const char *error = phs_cidr_parse(pool, cases[i].token, &cidr);

        if (!tap_ok(error == NULL, "accepts '%s'", cases[i].token)) {
            printf("#   error: %s\n", error);
            continue;
        }
        tap_is_str(phs_ip_format(&cidr.base, buf), cases[i].base,
                   "  its base");
        tap_ok(cidr.bits == cases[i].bits, "  its bits (%u, want %u)",
               cidr.bits, cases[i].bits);
    }
}

typedef struct {
    const char *token;
    const char *hint;       /* expected in the message besides the token */
} cidr_error_case_t;

static void test_cidr_rejected(void)
{
    static const cidr_error_case_t cases[] = {
        { "foo.example", "host names" },
        { "localhost", "host names" },
        { "cafe", "host names" },
        { "1.2.3.4/33", "prefix /33 out of range for IPv4" },
        { "1.2.3.4/128", "prefix /128 out of range for IPv4" },
        { "::/129", "prefix /129 out of range for IPv6" },
        { "2001:db8::/200", "prefix /200 out of range for IPv6" },
        { "1.2.3.4/-1", "prefix must be 0..32" },
        { "1.2.3.4/", "missing prefix length" },
        { "1.2.3.4/+8", "prefix must be 0..32" },
        { "1.2.3.4/08", "prefix must be 0..32" },
        { "1.2.3.4/00", "prefix must be 0..32" },
        { "1.2.3.4/8x", "prefix must be 0..32" },
        { "1.2.3.4/ 8", "prefix must be 0..32" },
        { "1.2.3.4/1234", "prefix must be 0..32" },
        { "1.2.3.4/999", "prefix must be 0..32" },
        { "::/256", "prefix must be 0..128" },
        { "::/0128", "prefix must be 0..128" },
        { "1.2.3.4/8/8", "prefix must be 0..32" },
        { "/8", "empty address" },
        { "/", "empty address" },
        { "1.2.3/8", "four decimal parts" },
        { "1.2.3", "four decimal parts" },
        { "1.2.3.4.5", "four decimal parts" },
        { "010.1.1.1", "leading zeros" },
        { "256.0.0.0/8", "0..255" },
        { "fe80::1%eth0", "zone ids" },
        { "fe80::1%eth0/64", "zone ids" },
        { "[::1]", "brackets" },
        { "[::1]/128", "brackets" },
        { "1.2.3.4:80", "ports" },
        { "1.2.3.4 ", "whitespace" },
        { "1.2.3.4\t/8", "whitespace" },
        { "1::2::3", "IPv6" },
        { "12345::", "IPv6" },
        { "", "empty" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        phs_cidr_t cidr;
        const char *error = phs_cidr_parse(pool, cases[i].token, &cidr);
        char quoted[200];

        quote_expected(cases[i].token, quoted);
        tap_ok(error != NULL, "rejects %s", quoted);
        tap_ok(contains_text(error, "invalid IP address or CIDR block '"),
               "  message says what is wrong: %s", error ? error : "(none)");
        tap_ok(contains_text(error, quoted), "  message names the token %s",
               quoted);
        tap_ok(contains_text(error, cases[i].hint), "  message says '%s'",
               cases[i].hint);
    }
}

static void test_error_escaping(void)
{
    phs_cidr_t cidr;
    const char *error;
    char long_token[300];

    error = phs_cidr_parse(pool, "1.2.3.4\x01\x1b[31m", &cidr);
    tap_ok(contains_text(error, "'1.2.3.4\\x01\\x1b[31m'"),
           "control characters are escaped: %s", error ? error : "(none)");
    error = phs_cidr_parse(pool, "1.2.3.4\t/8", &cidr);
    tap_ok(contains_text(error, "'1.2.3.4\\x09/8'"), "a tab is escaped: %s",
           error ? error : "(none)");
    error = phs_cidr_parse(pool, "it's", &cidr);
    tap_ok(contains_text(error, "'it\\x27s'"), "a quote is escaped: %s",
           error ? error : "(none)");
    error = phs_cidr_parse_len(pool, "1.2.3.4\0", 8, &cidr);
    tap_ok(contains_text(error, "'1.2.3.4\\x00'"),
           "an embedded NUL is rejected and shown: %s", error ? error : "(none)");
    error = phs_cidr_parse_len(pool, "1.2.3.4/8\0", 10, &cidr);
    tap_ok(error != NULL, "a NUL after the prefix is rejected");
    memset(long_token, 'a', sizeof(long_token) - 1);
    long_token[sizeof(long_token) - 1] = '\0';
    error = phs_cidr_parse(pool, long_token, &cidr);
    tap_ok(error && strlen(error) < 200 && contains_text(error, "aaaa...'"),
           "a very long token is cut in the message");
}

static void test_cidr_parse_len(void)
{
    phs_cidr_t cidr;
    char buf[PHS_IP_TEXT_MAX];

    tap_ok(phs_cidr_parse_len(pool, "10.1.2.3/8,rest", 10, &cidr) == NULL
           && cidr.bits == 104
           && strcmp(phs_ip_format(&cidr.base, buf), "10.0.0.0") == 0,
           "phs_cidr_parse_len reads exactly len bytes");
    tap_ok(phs_cidr_parse_len(pool, "10.1.2.3/8", 9, &cidr) != NULL,
           "phs_cidr_parse_len: '10.1.2.3/' is an error");
}

static void test_format_round_trip(void)
{
    apr_uint64_t state = APR_UINT64_C(0x2545f4914f6cdd1d);
    int v6_bad = 0, v4_bad = 0;

    for (int i = 0; i < 20000; i++) {
        char buf[PHS_IP_TEXT_MAX];
        phs_ip_t ip, back;

        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ip.hi = state;
        ip.lo = state * APR_UINT64_C(0x9e3779b97f4a7c15);
        /* Zero some groups so that "::" runs of every length occur. */
        if (i & 1)
            ip.hi &= APR_UINT64_C(0xffff0000ffff0000) >> (i % 4 * 16);
        if (i & 2)
            ip.lo &= ~(APR_UINT64_C(0xffffffff) << (i % 3 * 16));
        phs_ip_format(&ip, buf);
        if (!phs_ip_parse(buf, strlen(buf), &back) || back.hi != ip.hi
            || back.lo != ip.lo || strstr(buf, ":::") || strlen(buf) > 39) {
            if (v6_bad++ < 3)
                printf("#   v6 round trip failed: %s\n", buf);
        }
        ip.hi = 0;
        ip.lo = APR_UINT64_C(0xffff00000000) | (state >> 32);
        phs_ip_format(&ip, buf);
        if (!phs_ip_parse(buf, strlen(buf), &back) || back.lo != ip.lo
            || back.hi != 0 || strchr(buf, ':')) {
            if (v4_bad++ < 3)
                printf("#   v4 round trip failed: %s\n", buf);
        }
    }
    tap_ok(v6_bad == 0, "format/parse round trip of 20000 IPv6 addresses");
    tap_ok(v4_bad == 0, "format/parse round trip of 20000 IPv4 addresses");
}

static void test_sockaddr(void)
{
    static const unsigned char v4_bytes[4] = { 192, 0, 2, 33 };
    static const unsigned char v6_bytes[16] = {
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34 };
    static const unsigned char mapped_bytes[16] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 33 };
    apr_sockaddr_t sa;
    phs_ip_t ip, want;
    char buf[PHS_IP_TEXT_MAX];

    memset(&sa, 0, sizeof(sa));
    sa.family = AF_INET;
    memcpy(&sa.sa.sin.sin_addr, v4_bytes, 4);
    phs_ip_parse("192.0.2.33", 10, &want);
    tap_ok(phs_ip_from_sockaddr(&sa, &ip) && ip.hi == want.hi
           && ip.lo == want.lo, "AF_INET sockaddr");
    tap_is_str(phs_ip_format(&ip, buf), "192.0.2.33", "  formats as IPv4");

    memset(&sa, 0, sizeof(sa));
    sa.family = AF_INET6;
    memcpy(sa.sa.sin6.sin6_addr.s6_addr, v6_bytes, 16);
    tap_ok(phs_ip_from_sockaddr(&sa, &ip), "AF_INET6 sockaddr");
    tap_is_str(phs_ip_format(&ip, buf), "2001:db8::1234", "  its address");

    memcpy(sa.sa.sin6.sin6_addr.s6_addr, mapped_bytes, 16);
    tap_ok(phs_ip_from_sockaddr(&sa, &ip) && ip.hi == want.hi
           && ip.lo == want.lo && phs_ip_is_v4(&ip),
           "a v4-mapped AF_INET6 sockaddr equals the IPv4 address");

    memset(&sa, 0, sizeof(sa));
    sa.family = AF_UNIX;
    tap_ok(!phs_ip_from_sockaddr(&sa, &ip), "AF_UNIX is refused");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);

    test_accepted_forms();
    test_parsed_values();
    test_rejected_forms();
    test_cidr_accepted();
    test_cidr_rejected();
    test_error_escaping();
    test_cidr_parse_len();
    test_format_round_trip();
    test_sockaddr();

    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
