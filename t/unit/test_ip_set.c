/* Unit tests for modules/ip_set.c: membership edges, IPv4/IPv6 mixing,
 * list and file loading, and randomized cross-checks of the set against
 * simple reference matchers written here (a linear scan for the usual list
 * sizes, sorted intervals for the million-block structure).
 *
 * The random seed is printed as a comment line; PHS_TEST_SEED=N in the
 * environment reruns with seed N. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_file_io.h"
#include "apr_pools.h"
#include "apr_strings.h"

#include "phs_ip_set.h"
#include "tap.h"

static apr_pool_t *pool;
static apr_uint64_t rng_state;
static const unsigned address_count = 100000;

/* splitmix64: the same sequence everywhere, so a seed reproduces a run. */
static apr_uint64_t rng(void)
{
    apr_uint64_t z = (rng_state += APR_UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * APR_UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * APR_UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng() % n);
}

static phs_ip_t ip_of(const char *text)
{
    phs_ip_t ip = { 0, 0 };

    if (!phs_ip_parse(text, strlen(text), &ip))
        printf("# test bug: cannot parse '%s'\n", text);
    return ip;
}

static int in(const phs_ip_set_t *set, const char *addr)
{
    phs_ip_t ip = ip_of(addr);
    return phs_ip_set_contains(set, &ip);
}

static phs_ip_set_t *sealed_set(const char *list)
{
    phs_ip_set_t *set = phs_ip_set_make(pool);
    const char *error = phs_ip_set_add_list(set, list);

    if (error)
        printf("# unexpected error for '%s': %s\n", list, error);
    phs_ip_set_seal(set);
    return set;
}

/* Checks a list of addresses against the expected answers. */
static void expect(const phs_ip_set_t *set, const char *what,
                   const char *const *inside, const char *const *outside)
{
    for (; inside && *inside; inside++)
        tap_ok(in(set, *inside), "%s contains %s", what, *inside);
    for (; outside && *outside; outside++)
        tap_ok(!in(set, *outside), "%s does not contain %s", what, *outside);
}

/* Sets whose span is 2^63 or more of the address space: the index's last
 * bucket once came out empty (its start wrapped past 2^64), so addresses
 * in it were not found. */
static void test_span_past_half(void)
{
    {
        const char *in_[] = { "fd00::1", "2001:db8::1", "2001:db8::9", NULL };
        const char *out[] = { "fd00::2", "2001:db8::2", "fe80::1", NULL };
        expect(sealed_set("2001:db8::1 2001:db8::3 2001:db8::5 2001:db8::7 "
                          "2001:db8::9 fd00::1"),
               "6 v6 addresses from 2001:db8:: to fd00::", in_, out);
    }
    {
        const char *in_[] = { "100::1", "f000::1", "f004::1", "f007::ffff",
                              NULL };
        const char *out[] = { "f008::1", "101::1", "ffff::1", NULL };
        expect(sealed_set("100::/64 f000::/64 f001::/64 f002::/64 f003::/64 "
                          "f004::/64 f005::/64 f006::/64 f007::/64"),
               "9 /64s from 100:: to f007::", in_, out);
    }
    {
        const char *in_[] = { "0.0.0.1", "255.255.255.254", "128.0.0.0",
                              NULL };
        const char *out[] = { "0.0.0.2", "255.255.255.253", NULL };
        expect(sealed_set("0.0.0.1 1.0.0.1 2.0.0.1 3.0.0.1 4.0.0.1 "
                          "128.0.0.0 255.255.255.254"),
               "7 v4 addresses over the whole space", in_, out);
    }
}

static void test_prefix_edges(void)
{
    {
        const char *in_[] = { "10.0.0.0", "10.0.0.1", "10.128.0.0",
                              "10.255.255.255", "::ffff:10.1.2.3", NULL };
        const char *out[] = { "9.255.255.255", "11.0.0.0", "0.0.0.0",
                              "255.255.255.255", "::a00:1", "10::", NULL };
        expect(sealed_set("10.0.0.0/8"), "10.0.0.0/8", in_, out);
    }
    {
        const char *in_[] = { "10.200.3.4", NULL };
        const char *out[] = { "11.0.0.1", NULL };
        expect(sealed_set("10.0.0.1/8"), "10.0.0.1/8 (host bits)", in_, out);
    }
    {
        const char *in_[] = { "192.168.0.0", "192.168.0.1", NULL };
        const char *out[] = { "192.168.0.2", "192.167.255.255", NULL };
        expect(sealed_set("192.168.0.1/31"), "192.168.0.1/31", in_, out);
    }
    {
        const char *in_[] = { "128.0.0.1", NULL };
        const char *out[] = { "128.0.0.0", "128.0.0.2", NULL };
        expect(sealed_set("128.0.0.1"), "128.0.0.1", in_, out);
        expect(sealed_set("128.0.0.1/32"), "128.0.0.1/32", in_, out);
    }
    {
        const char *in_[] = { "0.0.0.0", "255.255.255.255", NULL };
        const char *out[] = { "0.0.0.1", "255.255.255.254", NULL };
        expect(sealed_set("0.0.0.0 255.255.255.255"), "both ends", in_, out);
    }
    {
        /* IPv4 /0 is ::ffff:0:0/96: every IPv4 client, no IPv6 client. */
        const char *in_[] = { "0.0.0.0", "1.2.3.4", "255.255.255.255",
                              "::ffff:8.8.8.8", NULL };
        const char *out[] = { "::", "::1", "2001:db8::1", "::fffe:ffff:ffff",
                              "::1:0:0:0", "ffff::", NULL };
        expect(sealed_set("0.0.0.0/0"), "0.0.0.0/0", in_, out);
    }
    {
        /* ::/0 is the whole 128-bit space, IPv4 included. */
        const char *in_[] = { "::", "::1", "2001:db8::1", "1.2.3.4",
                              "0.0.0.0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                              NULL };
        expect(sealed_set("::/0"), "::/0", in_, NULL);
    }
    {
        const char *in_[] = { "2001:db8::", "2001:db8::1", NULL };
        const char *out[] = { "2001:db8::2", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
                              NULL };
        expect(sealed_set("2001:db8::1/127"), "2001:db8::1/127", in_, out);
    }
    {
        const char *in_[] = { "2001:db8::1", NULL };
        const char *out[] = { "2001:db8::", "2001:db8::2", NULL };
        expect(sealed_set("2001:db8::1/128"), "2001:db8::1/128", in_, out);
    }
    {
        const char *in_[] = { "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
                              NULL };
        const char *out[] = { "2001:db9::", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
                              "32.1.13.184", NULL };
        expect(sealed_set("2001:db8::/32"), "2001:db8::/32", in_, out);
    }
    {
        const char *in_[] = { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                              "8000::", NULL };
        const char *out[] = { "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                              "1.2.3.4", NULL };
        expect(sealed_set("8000::/1"), "8000::/1", in_, out);
    }
}

static void test_mapped_and_folding(void)
{
    {
        const char *in_[] = { "10.1.2.3", "::ffff:10.1.2.3", NULL };
        const char *out[] = { "11.1.2.3", NULL };
        expect(sealed_set("::ffff:10.0.0.0/104"), "::ffff:10.0.0.0/104", in_,
               out);
        expect(sealed_set("::ffff:a00:0/104"), "::ffff:a00:0/104", in_, out);
        expect(sealed_set("10.0.0.0/8"), "10.0.0.0/8 (mapped client)", in_,
               out);
    }
    {
        /* Blocks written in IPv6 that cover all of the mapped space. */
        const char *in_[] = { "1.2.3.4", "255.255.255.255", "0.0.0.0", NULL };
        expect(sealed_set("::ffff:0:0/96"), "::ffff:0:0/96", in_, NULL);
        expect(sealed_set("::/80"), "::/80", in_, NULL);
        expect(sealed_set("::/1"), "::/1", in_, NULL);
    }
    {
        const char *out[] = { "1.2.3.4", "0.0.0.0", NULL };
        const char *in_[] = { "::", "::1", "::ffff", NULL };
        expect(sealed_set("::/96"), "::/96 (not the mapped space)", in_, out);
        expect(sealed_set("64:ff9b::/96"), "64:ff9b::/96", NULL, out);
    }
    {
        const char *in_[] = { "0.0.0.0", "127.255.255.255", NULL };
        const char *out[] = { "128.0.0.0", NULL };
        expect(sealed_set("::ffff:0:0/97"), "::ffff:0:0/97", in_, out);
    }
}

static void test_merging(void)
{
    phs_ip_set_t *set;

    set = sealed_set("10.0.0.0/25 10.0.0.128/25");
    tap_ok(phs_ip_set_range_count(set) == 1 && phs_ip_set_block_count(set) == 2,
           "adjacent halves merge into one range (%lu ranges)",
           (unsigned long)phs_ip_set_range_count(set));
    set = sealed_set("10.0.0.0/8 10.1.0.0/16 10.1.2.3 10.0.0.0/8");
    tap_ok(phs_ip_set_range_count(set) == 1 && phs_ip_set_block_count(set) == 4,
           "nested and duplicate blocks merge");
    set = sealed_set("10.0.0.0/32 10.0.0.2/32");
    tap_ok(phs_ip_set_range_count(set) == 2 && !in(set, "10.0.0.1"),
           "a gap of one address keeps two ranges");
    set = sealed_set("255.255.255.255 255.255.255.254 0.0.0.0 0.0.0.1");
    tap_ok(phs_ip_set_range_count(set) == 2, "merging at both ends of IPv4");
    set = sealed_set("2001:db8::/33 2001:db8:8000::/33");
    tap_ok(phs_ip_set_range_count(set) == 1, "adjacent IPv6 halves merge");
    set = sealed_set("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127 ::/0");
    tap_ok(in(set, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") && in(set, "::"),
           "IPv6 ranges at the top of the space");
    tap_ok(phs_ip_set_memory(set) > 0, "memory is reported");
}

static void test_lists(void)
{
    phs_ip_set_t *set;
    const char *error;

    set = sealed_set("1.1.1.1, 2.2.2.2");
    tap_ok(phs_ip_set_block_count(set) == 2 && in(set, "1.1.1.1")
           && in(set, "2.2.2.2"), "'a, b'");
    set = sealed_set("1.1.1.1,,2.2.2.2");
    tap_ok(phs_ip_set_block_count(set) == 2 && in(set, "2.2.2.2"), "'a,,b'");
    set = sealed_set("\t1.1.1.1\n2.2.2.2\r\n 3.3.3.3\t,\t::1 \f\v4.4.4.4");
    tap_ok(phs_ip_set_block_count(set) == 5 && in(set, "3.3.3.3")
           && in(set, "::1") && in(set, "4.4.4.4"), "tabs, newlines, CR, FF, VT");
    set = sealed_set(",, ,1.1.1.1,");
    tap_ok(phs_ip_set_block_count(set) == 1, "leading and trailing separators");
    set = sealed_set("");
    tap_ok(phs_ip_set_block_count(set) == 0 && !in(set, "1.1.1.1")
           && !in(set, "::"), "an empty list is an empty set");
    set = sealed_set(" , \n");
    tap_ok(phs_ip_set_block_count(set) == 0, "a list of separators is empty");
    set = sealed_set("192.168.0.0/31,127.0.0.0/25,128.0.0.1");
    tap_ok(in(set, "192.168.0.1") && in(set, "127.0.0.127")
           && !in(set, "127.0.0.128") && in(set, "128.0.0.1"),
           "PostHog's documented example list");

    set = phs_ip_set_make(pool);
    phs_ip_set_add_list(set, "9.9.9.9");
    error = phs_ip_set_add_list(set, "1.2.3.4, foo.example, 5.6.7.8");
    tap_ok(error && strstr(error, "'foo.example'"),
           "a bad list names the bad token: %s", error ? error : "(none)");
    tap_ok(phs_ip_set_block_count(set) == 1, "  and adds nothing of the list");
    phs_ip_set_seal(set);
    tap_ok(in(set, "9.9.9.9") && !in(set, "1.2.3.4") && !in(set, "5.6.7.8"),
           "  earlier lists stay, the bad list is absent");
    error = phs_ip_set_add_list(set, "::/0 1.2.3.4/33");
    tap_ok(error && strstr(error, "'1.2.3.4/33'") && strstr(error, "/33"),
           "a bad prefix names the token: %s", error ? error : "(none)");
    phs_ip_set_seal(set);
    tap_ok(!in(set, "2001:db8::1"), "  and a folded ::/0 is rolled back too");
}

static void test_life_cycle(void)
{
    phs_ip_set_t *set = phs_ip_set_make(pool);
    phs_cidr_t cidr;

    phs_ip_set_add_list(set, "10.0.0.0/8");
    tap_ok(!in(set, "10.1.1.1"), "nothing matches before the first seal");
    phs_ip_set_seal(set);
    tap_ok(in(set, "10.1.1.1"), "matches after seal");
    phs_ip_set_add_list(set, "11.0.0.0/8 2001:db8::/32");
    tap_ok(in(set, "10.1.1.1") && !in(set, "11.1.1.1"),
           "blocks added after a seal wait for the next seal");
    phs_ip_set_seal(set);
    tap_ok(in(set, "10.1.1.1") && in(set, "11.1.1.1") && in(set, "2001:db8::5"),
           "the next seal folds them in");
    tap_ok(phs_ip_set_block_count(set) == 3 && phs_ip_set_range_count(set) == 2,
           "block and range counts after two seals");
    phs_ip_set_seal(set);
    tap_ok(phs_ip_set_range_count(set) == 2 && in(set, "10.255.255.255"),
           "sealing twice changes nothing");

    /* phs_ip_set_add with host bits set still adds the whole block. */
    set = phs_ip_set_make(pool);
    cidr.base = ip_of("172.16.5.6");
    cidr.bits = 96 + 12;
    phs_ip_set_add(set, &cidr);
    phs_ip_set_seal(set);
    tap_ok(in(set, "172.16.0.0") && in(set, "172.31.255.255")
           && !in(set, "172.32.0.0"), "phs_ip_set_add ignores host bits");

    set = phs_ip_set_make(pool);
    phs_ip_set_seal(set);
    tap_ok(!in(set, "1.2.3.4") && !in(set, "::1")
           && phs_ip_set_range_count(set) == 0, "an empty sealed set");
}

/* Files ---------------------------------------------------------------- */

static const char *temp_dir;

static char *write_temp_file(const char *content, apr_size_t len)
{
    char *path = apr_pstrcat(pool, temp_dir, "/phs_ip_set_XXXXXX", NULL);
    apr_file_t *file;
    apr_size_t written;

    if (apr_file_mktemp(&file, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                        | APR_FOPEN_EXCL, pool) != APR_SUCCESS) {
        printf("# cannot create a temp file in %s\n", temp_dir);
        return path;
    }
    apr_file_write_full(file, content, len, &written);
    apr_file_close(file);
    return path;
}

static const char *load_file(phs_ip_set_t *set, const char *content,
                             apr_size_t len, const char **path_out)
{
    const char *path = write_temp_file(content, len);
    const char *error = phs_ip_set_add_file(set, path, pool);

    apr_file_remove(path, pool);
    if (path_out)
        *path_out = path;
    return error;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_files(void)
{
    static const char good[] =
        "# allow-list\n"
        "\n"
        "10.0.0.0/8   # office\n"
        "   \t  \n"
        "192.168.1.1, 192.168.1.2 2001:db8::/32\n"
        "#172.16.0.0/12\n"
        "1.1.1.1#no space before the comment\n"
        "::ffff:8.8.8.0/120";                       /* no final newline */
    static const char crlf[] = "1.2.3.4\r\n# c\r\n\r\n5.6.7.8/31\r\n";
    phs_ip_set_t *set = phs_ip_set_make(pool);
    const char *error, *path;
    char *big, *want;

    error = load_file(set, good, sizeof(good) - 1, NULL);
    phs_ip_set_seal(set);
    tap_ok(error == NULL, "a file with comments and blank lines loads (%s)",
           error ? error : "ok");
    tap_ok(phs_ip_set_block_count(set) == 6, "  6 blocks (%lu)",
           (unsigned long)phs_ip_set_block_count(set));
    tap_ok(in(set, "10.9.9.9") && in(set, "192.168.1.2") && in(set, "2001:db8::1")
           && in(set, "1.1.1.1") && in(set, "8.8.8.200"), "  its blocks match");
    tap_ok(!in(set, "172.16.0.1"), "  a commented-out block does not");

    set = phs_ip_set_make(pool);
    error = load_file(set, crlf, sizeof(crlf) - 1, NULL);
    phs_ip_set_seal(set);
    tap_ok(error == NULL && phs_ip_set_block_count(set) == 2 && in(set, "5.6.7.9"),
           "CRLF line endings");

    set = phs_ip_set_make(pool);
    error = load_file(set, "", 0, NULL);
    tap_ok(error == NULL && phs_ip_set_block_count(set) == 0, "an empty file");

    set = phs_ip_set_make(pool);
    phs_ip_set_add_list(set, "9.9.9.9");
    error = load_file(set, "1.2.3.4\n\n5.6.7.8 bogus\n7.7.7.7\n", 31, &path);
    want = apr_psprintf(pool, "%s:3: invalid IP address or CIDR block 'bogus'",
                        path);
    tap_ok(starts_with(error, want), "error names file, line and token: %s",
           error ? error : "(none)");
    tap_ok(phs_ip_set_block_count(set) == 1, "  and nothing of the file is added");
    phs_ip_set_seal(set);
    tap_ok(in(set, "9.9.9.9") && !in(set, "1.2.3.4"), "  earlier blocks stay");

    set = phs_ip_set_make(pool);
    error = load_file(set, "1.2.3.4\r\n10.0.0.0/33\r\n", 22, &path);
    want = apr_psprintf(pool, "%s:2: invalid IP address or CIDR block "
                        "'10.0.0.0/33': prefix /33 out of range for IPv4", path);
    tap_is_str(error, want, "CRLF file: the line number and the reason");

    set = phs_ip_set_make(pool);
    error = load_file(set, "1.2.3.4\n\n# x\n1.2.3", 18, &path);
    want = apr_psprintf(pool, "%s:4: invalid IP address or CIDR block '1.2.3'",
                        path);
    tap_ok(starts_with(error, want), "an error on a last line without newline: %s",
           error ? error : "(none)");

    set = phs_ip_set_make(pool);
    error = load_file(set, "1.2.3.4\n5.6.7.8\0\n", 17, &path);
    want = apr_psprintf(pool, "%s:2: invalid IP address or CIDR block "
                        "'5.6.7.8\\x00'", path);
    tap_ok(starts_with(error, want), "a NUL byte in a file is an error: %s",
           error ? error : "(none)");

    set = phs_ip_set_make(pool);
    path = apr_pstrcat(pool, temp_dir, "/phs_no_such_file_here", NULL);
    error = phs_ip_set_add_file(set, path, pool);
    want = apr_psprintf(pool, "%s: cannot open: ", path);
    tap_ok(starts_with(error, want) && strstr(error, "No such file"),
           "a missing file: %s", error ? error : "(none)");

    error = phs_ip_set_add_file(set, temp_dir, pool);
    tap_ok(error && strstr(error, temp_dir) && strstr(error, "cannot"),
           "a directory: %s", error ? error : "(none)");

    /* Many lines, so lines straddle the reader's chunks; then one line far
     * longer than a chunk; the error line number must still be right. */
    {
        apr_size_t cap = 1 << 20, len = 0;
        unsigned lines = 30000;
        int all_in = 1;

        big = malloc(cap);
        for (unsigned i = 0; i < lines; i++)
            len += (apr_size_t)sprintf(big + len, "10.%u.%u.1\n", i >> 8, i & 255);
        set = phs_ip_set_make(pool);
        error = load_file(set, big, len, NULL);
        phs_ip_set_seal(set);
        for (unsigned i = 0; i < lines && all_in; i += 7) {
            char addr[32];
            sprintf(addr, "10.%u.%u.1", i >> 8, i & 255);
            all_in = in(set, addr);
        }
        tap_ok(error == NULL && phs_ip_set_block_count(set) == lines && all_in,
               "a 30000-line file (%lu bytes)", (unsigned long)len);

        len = 0;
        for (unsigned i = 0; i < 20000; i++)
            len += (apr_size_t)sprintf(big + len, "11.%u.%u.0/24,", i >> 8, i & 255);
        len += (apr_size_t)sprintf(big + len, "\n12.0.0.0/8\n");
        set = phs_ip_set_make(pool);
        error = load_file(set, big, len, NULL);
        phs_ip_set_seal(set);
        tap_ok(error == NULL && phs_ip_set_block_count(set) == 20001
               && in(set, "11.78.31.200") && in(set, "12.1.1.1"),
               "a single %lu-byte line", (unsigned long)len);

        len = 0;
        for (unsigned i = 0; i < 9999; i++)
            len += (apr_size_t)sprintf(big + len, "%u.0.0.0/8\n", i % 200);
        len += (apr_size_t)sprintf(big + len, "10.0.0.0/8 x.y\n");
        set = phs_ip_set_make(pool);
        error = load_file(set, big, len, &path);
        want = apr_psprintf(pool, "%s:10000: invalid IP address or CIDR "
                            "block 'x.y'", path);
        tap_ok(starts_with(error, want), "error on line 10000: %s",
               error ? error : "(none)");
        free(big);
    }
}

/* Randomized cross-check against a linear matcher ---------------------- */

typedef struct {
    phs_ip_t base;      /* host bits cleared, by this file's own code */
    phs_ip_t mask;
} naive_block_t;

static phs_ip_t mask_of(unsigned bits)
{
    apr_uint64_t all = ~APR_UINT64_C(0);
    phs_ip_t m;

    m.hi = bits == 0 ? 0 : bits >= 64 ? all : all << (64 - bits);
    m.lo = bits <= 64 ? 0 : bits >= 128 ? all : all << (128 - bits);
    return m;
}

static int naive_contains(const naive_block_t *blocks, apr_size_t count,
                          const phs_ip_t *ip)
{
    for (apr_size_t i = 0; i < count; i++)
        if ((ip->hi & blocks[i].mask.hi) == blocks[i].base.hi
            && (ip->lo & blocks[i].mask.lo) == blocks[i].base.lo)
            return 1;
    return 0;
}

static void random_v4(phs_ip_t *ip)
{
    ip->hi = 0;
    ip->lo = APR_UINT64_C(0xffff00000000) | (rng() & 0xffffffff);
}

static void random_v6(phs_ip_t *ip)
{
    ip->hi = rng();
    ip->lo = rng();
    if (rng_below(4) == 0)          /* some in 2001:db8::/32 to cluster */
        ip->hi = APR_UINT64_C(0x20010db800000000) | (ip->hi & 0xffffffff);
}

/* Writes an address in one of the accepted text forms. */
static void write_address(const phs_ip_t *ip, int v4, char *out)
{
    apr_uint32_t a = (apr_uint32_t)ip->lo;

    if (v4 && rng_below(20) != 0) {
        sprintf(out, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                a & 255);
    }
    else if (v4) {
        sprintf(out, "::FFFF:%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
                (a >> 8) & 255, a & 255);
    }
    else if (rng_below(2) || phs_ip_is_v4(ip)) {
        /* Full form; also for a mapped base of an IPv6-written block, which
         * phs_ip_format would write as a dotted quad. */
        sprintf(out, "%x:%x:%x:%X:%x:%x:%x:%x", (unsigned)(ip->hi >> 48),
                (unsigned)(ip->hi >> 32) & 0xffff, (unsigned)(ip->hi >> 16) & 0xffff,
                (unsigned)ip->hi & 0xffff, (unsigned)(ip->lo >> 48),
                (unsigned)(ip->lo >> 32) & 0xffff, (unsigned)(ip->lo >> 16) & 0xffff,
                (unsigned)ip->lo & 0xffff);
    }
    else {
        phs_ip_format(ip, out);
    }
}

typedef struct {
    naive_block_t *blocks;
    apr_size_t count;
    char *text;
} random_list_t;

/* `wide`: prefixes anywhere in 0..32 / 0..128 (so /0-like blocks occur);
 * otherwise mostly the lengths real lists have. */
static unsigned random_prefix(int v4, int wide)
{
    if (wide)
        return rng_below(v4 ? 33 : 129);
    if (v4)
        return rng_below(10) < 6 ? 32 : 8 + rng_below(25);
    return rng_below(10) < 5 ? 128 : 16 + rng_below(113);
}

static const char *random_separator(void)
{
    static const char *const separators[] = {
        ", ", ",", " ", "\t", "\n", ",,", " ,\n", "\r\n", " , , " };
    return separators[rng_below(sizeof(separators) / sizeof(separators[0]))];
}

static random_list_t random_list(apr_size_t count, int wide)
{
    random_list_t list;
    apr_size_t len = 0;

    list.count = count;
    list.blocks = malloc(count * sizeof(*list.blocks));
    list.text = malloc(count * 64 + 1);
    list.text[0] = '\0';
    for (apr_size_t i = 0; i < count; i++) {
        int v4 = rng_below(4) != 0;
        unsigned prefix = random_prefix(v4, wide);
        unsigned bits = v4 ? 96 + prefix : prefix;
        char addr[64];
        phs_ip_t ip;

        if (v4)
            random_v4(&ip);
        else if (wide && rng_below(4) == 0)
            random_v4(&ip);         /* an IPv6 block around mapped space */
        else
            random_v6(&ip);
        /* Host bits stay in the text: the parser must clear them. */
        write_address(&ip, v4, addr);
        if (v4 && strchr(addr, ':'))
            prefix = bits;          /* IPv6 form: 128-bit prefix */
        len += (apr_size_t)sprintf(list.text + len, "%s%s%s", addr,
                                   prefix == 128 && rng_below(2) ? ""
                                   : apr_psprintf(pool, "/%u", prefix),
                                   random_separator());
        list.blocks[i].mask = mask_of(bits);
        list.blocks[i].base.hi = ip.hi & list.blocks[i].mask.hi;
        list.blocks[i].base.lo = ip.lo & list.blocks[i].mask.lo;
    }
    return list;
}

/* Addresses biased to hit: inside blocks, just outside their ends, and
 * uniform ones of both families. */
static void random_probe(const random_list_t *list, phs_ip_t *ip)
{
    const naive_block_t *b = &list->blocks[rng_below((unsigned)list->count)];
    unsigned kind = rng_below(100);
    phs_ip_t last;

    last.hi = b->base.hi | ~b->mask.hi;
    last.lo = b->base.lo | ~b->mask.lo;
    if (kind < 35) {
        ip->hi = b->base.hi | (rng() & ~b->mask.hi);
        ip->lo = b->base.lo | (rng() & ~b->mask.lo);
    }
    else if (kind < 45) {
        *ip = b->base;
        if (ip->lo-- == 0)
            ip->hi--;
    }
    else if (kind < 55) {
        *ip = last;
        if (++ip->lo == 0)
            ip->hi++;
    }
    else if (kind < 60) {
        *ip = rng_below(2) ? b->base : last;
    }
    else if (kind < 85) {
        random_v4(ip);
    }
    else {
        random_v6(ip);
    }
}

static void cross_check(apr_size_t count, int wide)
{
    random_list_t list = random_list(count, wide);
    phs_ip_set_t *set = phs_ip_set_make(pool);
    const char *error = phs_ip_set_add_list(set, list.text);
    unsigned mismatches = 0, hits = 0;

    phs_ip_set_seal(set);
    tap_ok(error == NULL && phs_ip_set_block_count(set) == count,
           "random %s list of %lu blocks loads (%s)", wide ? "wide" : "mixed",
           (unsigned long)count, error ? error : "ok");
    for (unsigned i = 0; i < address_count; i++) {
        phs_ip_t ip;
        int want, got;

        random_probe(&list, &ip);
        want = naive_contains(list.blocks, list.count, &ip);
        got = phs_ip_set_contains(set, &ip);
        hits += (unsigned)want;
        if (want != got && mismatches++ < 5) {
            char buf[PHS_IP_TEXT_MAX];
            printf("#   %s: set says %d, linear scan says %d\n",
                   phs_ip_format(&ip, buf), got, want);
        }
    }
    tap_ok(mismatches == 0, "  %u addresses: same answers as a linear scan "
           "(%u hits, %u mismatches)", address_count, hits, mismatches);
    tap_ok(count < 10 || wide
           || (hits > address_count / 5 && hits < address_count / 10 * 9),
           "  the probes are a real mix of hits and misses");
    free(list.blocks);
    free(list.text);
}

/* The million-block structure, against sorted intervals ----------------- */

typedef struct {
    apr_uint32_t first, last;
} interval_t;

static int compare_intervals(const void *a, const void *b)
{
    const interval_t *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

/* Reference: intervals sorted by first, with the running maximum of last;
 * ip is covered iff the running max at the last interval starting <= ip
 * reaches it. */
typedef struct {
    interval_t *intervals;
    apr_uint32_t *max_last;
    apr_size_t count;
} reference_t;

static int reference_contains(const reference_t *ref, apr_uint32_t ip)
{
    apr_size_t lo = 0, hi = ref->count;

    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;
        if (ref->intervals[mid].first <= ip)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && ref->max_last[lo - 1] >= ip;
}

static void add_interval(phs_ip_set_t *set, reference_t *ref,
                         apr_uint32_t base, unsigned prefix)
{
    apr_uint32_t host = prefix >= 32 ? 0 : 0xffffffff >> prefix;
    phs_cidr_t cidr;

    cidr.base.hi = 0;
    cidr.base.lo = APR_UINT64_C(0xffff00000000) | (base & ~host);
    cidr.bits = 96 + prefix;
    phs_ip_set_add(set, &cidr);
    ref->intervals[ref->count].first = base & ~host;
    ref->intervals[ref->count].last = base | host;
    ref->count++;
}

/* A random address of the cluster `base | host` (host: its host bits). */
static apr_uint32_t in_cluster(apr_uint32_t base, apr_uint32_t host)
{
    return base | ((apr_uint32_t)rng() & host);
}

/* Random blocks in a cluster (the whole space: base 0, host 0xffffffff),
 * both of its ends, dense /16s (many continuation lines) and blocks on
 * slice starts and ends, against sorted intervals.  Within a cluster the
 * blocks are narrow, so that they stay many ranges. */
static void interval_check(const char *what, apr_size_t blocks,
                           apr_uint32_t base, apr_uint32_t host,
                           int expect_lines)
{
    phs_ip_set_t *set = phs_ip_set_make(pool);
    reference_t ref;
    apr_size_t capacity = blocks + 100000;
    unsigned mismatches = 0, hits = 0;
    int whole = host == 0xffffffff;

    ref.intervals = malloc(capacity * sizeof(*ref.intervals));
    ref.max_last = malloc(capacity * sizeof(*ref.max_last));
    ref.count = 0;
    for (apr_size_t i = 0; i < blocks; i++) {
        unsigned r = rng_below(100);
        unsigned prefix = r < 80 ? 32 : r < 95 ? 26 + rng_below(6)
                          : whole ? 16 + rng_below(10) : 32;
        add_interval(set, &ref, in_cluster(base, host), prefix);
    }
    for (unsigned d = 0; d < 4 && host > 0xffff && blocks >= 2000; d++) {
        apr_uint32_t slash16 = in_cluster(base, host) & 0xffff0000;
        for (unsigned i = 0; i < 6000; i += 2)
            add_interval(set, &ref, slash16 + i * (d + 1), 32);
    }
    add_interval(set, &ref, base, 32);
    add_interval(set, &ref, base | host, 32);
    add_interval(set, &ref, (base | host) - 3, 31);
    for (unsigned i = 0; i < 2000 && blocks >= 2000; i++) {
        apr_uint32_t slice = in_cluster(base, host) & 0xffff8000;
        add_interval(set, &ref, slice, 32);
        add_interval(set, &ref, slice - 1, 32);
        add_interval(set, &ref, slice + 0x10000,
                     whole ? 20 + rng_below(12) : 32);
    }
    phs_ip_set_seal(set);

    qsort(ref.intervals, ref.count, sizeof(*ref.intervals), compare_intervals);
    for (apr_size_t i = 0; i < ref.count; i++)
        ref.max_last[i] = i == 0 || ref.intervals[i].last > ref.max_last[i - 1]
                          ? ref.intervals[i].last : ref.max_last[i - 1];

    tap_ok((phs_ip_set_range_count(set) > 262144) == expect_lines,
           "%s: %lu blocks, %lu ranges (%s the line table)", what,
           (unsigned long)phs_ip_set_block_count(set),
           (unsigned long)phs_ip_set_range_count(set),
           expect_lines ? "enough for" : "below");
    for (unsigned i = 0; i < 2 * address_count; i++) {
        const interval_t *iv = &ref.intervals[rng_below((unsigned)ref.count)];
        unsigned kind = rng_below(8);
        apr_uint32_t a = kind == 0 ? iv->first - 1 : kind == 1 ? iv->last + 1
                         : kind == 2 ? iv->first : kind == 3 ? iv->last
                         : kind == 4 ? iv->first + (apr_uint32_t)(rng() % ((apr_uint64_t)iv->last - iv->first + 1))
                         : kind == 5 ? in_cluster(base, host) & 0xffff8000
                         : kind == 6 ? in_cluster(base, host)
                         : (apr_uint32_t)rng();
        phs_ip_t ip = { 0, APR_UINT64_C(0xffff00000000) | a };
        int want = reference_contains(&ref, a);
        int got = phs_ip_set_contains(set, &ip);

        hits += (unsigned)want;
        if (want != got && mismatches++ < 5)
            printf("#   %u.%u.%u.%u: set says %d, reference says %d\n", a >> 24,
                   (a >> 16) & 255, (a >> 8) & 255, a & 255, got, want);
    }
    tap_ok(mismatches == 0, "  %u addresses: same answers as sorted intervals "
           "(%u hits, %u mismatches)", 2 * address_count, hits, mismatches);
    free(ref.intervals);
    free(ref.max_last);
}

/* A span of exactly `slices` slices: its last address is the first of the
 * slice past the end, unless the slices are sized to hold it.  `count`
 * single hosts on even offsets (never adjacent, so each is a range), the
 * span's two ends among them; every host, its neighbours and the addresses
 * past the span are probed. */
static void span_end_check(const char *what, apr_size_t count,
                           apr_uint32_t first, apr_uint32_t extent)
{
    phs_ip_set_t *set = phs_ip_set_make(pool);
    apr_uint32_t step = extent / (apr_uint32_t)(count - 1);
    unsigned mismatches = 0, probes = 0;

    step &= ~(apr_uint32_t)1;          /* even: hosts never adjacent */
    for (apr_size_t i = 0; i + 1 < count; i++) {
        apr_uint32_t a = first + (apr_uint32_t)i * step;
        phs_ip_t host = { 0, APR_UINT64_C(0xffff00000000) | a };
        phs_cidr_t cidr = { host, 128 };
        phs_ip_set_add(set, &cidr);
    }
    {
        phs_ip_t host = { 0, APR_UINT64_C(0xffff00000000) | (first + extent) };
        phs_cidr_t cidr = { host, 128 };
        phs_ip_set_add(set, &cidr);
    }
    phs_ip_set_seal(set);
    for (apr_uint64_t a = first; a <= (apr_uint64_t)first + extent + 4; a++) {
        apr_uint32_t offset = (apr_uint32_t)(a - first);
        int want = offset == extent
                   || (offset < extent && offset % step == 0
                       && offset / step < count - 1);
        phs_ip_t ip = { 0, APR_UINT64_C(0xffff00000000) | (apr_uint32_t)a };

        /* Hosts and their neighbours, and the end of the span. */
        if (offset % step > 1 && offset % step < step - 1
            && offset + 8 < extent)
            continue;
        probes++;
        if (phs_ip_set_contains(set, &ip) != want && mismatches++ < 5)
            printf("#   %s: offset %lu answered wrong\n", what,
                   (unsigned long)offset);
    }
    tap_ok(phs_ip_set_range_count(set) == count && mismatches == 0,
           "%s: %lu ranges, %u probes up to past the span's end, "
           "%u mismatches", what, (unsigned long)phs_ip_set_range_count(set),
           probes, mismatches);
}

static unsigned covers_of(const char *list)
{
    phs_ip_set_t *set = phs_ip_set_make(pool);

    phs_ip_set_add_list(set, list);
    phs_ip_set_seal(set);
    return phs_ip_set_covers(set);
}

/* The upper half of the IPv6 space as two /65 (long ranges) and 63 wide
 * blocks that add up to the rest of 8000::/1, without the /65 numbered
 * `missing` (none when 2). */
static unsigned covers_of_mixed(int missing)
{
    phs_ip_set_t *set = phs_ip_set_make(pool);
    phs_cidr_t block;
    int k;

    phs_ip_set_add_list(set, "::/1");
    for (k = 0; k < 2; k++) {
        block.base.hi = APR_UINT64_C(0x8000000000000000);
        block.base.lo = k ? APR_UINT64_C(0x8000000000000000) : 0;
        block.bits = 65;
        if (k != missing)
            phs_ip_set_add(set, &block);
    }
    for (k = 0; k < 63; k++) {
        block.base.hi = APR_UINT64_C(0x8000000000000000) + (APR_UINT64_C(1) << k);
        block.base.lo = 0;
        block.bits = 64 - (unsigned)k;
        phs_ip_set_add(set, &block);
    }
    phs_ip_set_seal(set);
    return phs_ip_set_covers(set);
}

/* Every address outside ::ffff:0:0/96, as the 96 blocks that are the
 * siblings of its prefixes (the last one left out unless `whole`), and
 * 0.0.0.0/0 with `with_v4`. */
static unsigned covers_of_around_mapped(int with_v4, int whole)
{
    const phs_ip_t mapped = { 0, APR_UINT64_C(0x0000ffff00000000) };
    phs_ip_set_t *set = phs_ip_set_make(pool);
    unsigned bits;

    for (bits = 1; bits <= (whole ? 96u : 95u); bits++) {
        phs_cidr_t sibling = { mapped, bits };
        unsigned bit = 128 - bits;      /* the prefix's last bit */

        if (bit >= 64)
            sibling.base.hi ^= APR_UINT64_C(1) << (bit - 64);
        else
            sibling.base.lo ^= APR_UINT64_C(1) << bit;
        phs_ip_set_add(set, &sibling);
    }
    if (with_v4)
        phs_ip_set_add_list(set, "0.0.0.0/0");
    phs_ip_set_seal(set);
    return phs_ip_set_covers(set);
}

/* Lists that hold every address, written whole or in parts. */
static void test_covers(void)
{
    const unsigned v4 = PHS_IP_SET_ALL_IPV4, v6 = PHS_IP_SET_ALL_IPV6;

    tap_ok(covers_of("") == 0, "an empty set covers nothing");
    tap_ok(covers_of("0.0.0.0/0") == v4, "0.0.0.0/0: every IPv4 address");
    tap_ok(covers_of("0.0.0.0/1, 128.0.0.0/1") == v4, "two halves add up");
    tap_ok(covers_of("0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/3, 224.0.0.0/4, "
                     "240.0.0.0/5, 248.0.0.0/5") == v4, "six parts add up");
    tap_ok(covers_of("0.0.0.0/1, 128.0.0.0/2") == 0, "three quarters do not");
    tap_ok(covers_of("255.255.255.255/0") == v4, "host bits do not matter");
    tap_ok(covers_of("::ffff:0:0/96") == v4, "the IPv4-mapped /96 is IPv4");
    tap_ok(covers_of("::/0") == (v4 | v6), "::/0: every address");
    tap_ok(covers_of("::/1 8000::/1") == (v4 | v6), "two IPv6 halves add up");
    tap_ok(covers_of("2000::/3, 0.0.0.0/0") == v4, "a global /3 is not all of IPv6");
    tap_ok(covers_of("::/1, 8000::/2") == v4,
           "three IPv6 quarters do not (the first holds IPv4-mapped space)");
    tap_ok(covers_of_around_mapped(0, 1) == v6,
           "every address but ::ffff:0:0/96, in 96 blocks: all of IPv6");
    tap_ok(covers_of_around_mapped(0, 0) == 0,
           "and without one of its blocks, not");
    tap_ok(covers_of_around_mapped(1, 1) == (v4 | v6), "with 0.0.0.0/0: all");
    tap_ok(covers_of_mixed(2) == v6 || covers_of_mixed(2) == (v4 | v6),
           "wide and long ranges add up across the two tables");
    tap_ok(!(covers_of_mixed(0) & v6) && !(covers_of_mixed(1) & v6),
           "and a missing /65 of either kind leaves a gap");
}

int main(void)
{
    const char *seed_text = getenv("PHS_TEST_SEED");
    apr_uint64_t seed = seed_text ? strtoull(seed_text, NULL, 10) : 20240611;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    if (apr_temp_dir_get(&temp_dir, pool) != APR_SUCCESS)
        temp_dir = "/tmp";
    rng_state = seed;
    printf("# seed %lu (set PHS_TEST_SEED=%lu to reproduce)\n",
           (unsigned long)seed, (unsigned long)seed);

    test_prefix_edges();
    test_span_past_half();
    test_mapped_and_folding();
    test_merging();
    test_lists();
    test_life_cycle();
    test_files();
    test_covers();
    cross_check(1, 0);
    cross_check(10, 0);
    cross_check(1000, 0);
    cross_check(20000, 0);
    cross_check(10, 1);
    cross_check(300, 1);
    interval_check("large set", 340000, 0, 0xffffffff, 1);    /* 2^16 lines */
    interval_check("large set", 500000, 0, 0xffffffff, 1);    /* 2^17 lines */
    interval_check("large set", 900000, 0, 0xffffffff, 1);    /* 2^18 lines */
    /* Packed into a part of the space (private ranges, one network's
     * list): the structures cover the set's span, not the whole space. */
    interval_check("large set in 10/8", 900000, 0x0a000000, 0x00ffffff, 1);
    interval_check("100000 blocks in 172.16/12", 100000, 0xac100000,
                   0x000fffff, 0);
    interval_check("1000 blocks in 10/8", 1000, 0x0a000000, 0x00ffffff, 0);
    interval_check("20000 blocks in 192.168/16", 20000, 0xc0a80000,
                   0x0000ffff, 0);
    interval_check("100 blocks in 198.51.100/24", 100, 0xc6336400,
                   0x000000ff, 0);
    /* 1000 ranges: 512 index buckets; 300000: 2^16 lines. */
    span_end_check("key index, span of 512 buckets of 256", 1000, 0x0a000000,
                   512 * 256);
    span_end_check("lines, span of 2^16 slices of 32", 300000, 0x0a000000,
                   65536 * 32);

    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
