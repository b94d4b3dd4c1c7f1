/* Invariants of the pure modules, checked on arbitrary bytes (see checks.h).
 *
 * Where a check compares against a model, the model is written here the
 * plain way (arrays, linear scans, whole-string compares) so that it shares
 * as little as possible with the optimised code it judges. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* memfd_create */
#endif

#include "checks.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <apr_fnmatch.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "cookie.h"
#include "forwarded.h"
#include "https_redirect.h"
#include "ip_addr.h"
#include "ip_set.h"
#include "path_segment.h"
#include "secret_key.h"

/* ------------------------------------------------------------------ */
/* Helpers shared by the checks.                                       */

static apr_status_t free_block(void *block)
{
    free(block);
    return APR_SUCCESS;
}

/* Every string a check hands to a module is a malloc block of its own,
 * exactly as long as it must be, so AddressSanitizer sees a read one byte
 * past its end (pool memory would hide it inside a larger block). */
static char *exact_block(apr_pool_t *p, size_t size)
{
    char *block = malloc(size);

    if (!block && !(block = malloc(1)))
        abort();
    apr_pool_cleanup_register(p, block, free_block, apr_pool_cleanup_null);
    return block;
}

/* Bytes for the (pointer, length) interfaces: no terminating NUL. */
static char *exact_bytes(apr_pool_t *p, const char *s, size_t len)
{
    char *copy = exact_block(p, len);

    memcpy(copy, s, len);
    return copy;
}

/* A C string of the first len bytes (it ends early at an embedded NUL, as
 * a header or a configuration word would). */
static char *exact_string(apr_pool_t *p, const char *s, size_t len)
{
    char *copy;

    len = strnlen(s, len);
    copy = exact_block(p, len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

static const char *broken(apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;
    const char *message;

    va_start(ap, fmt);
    message = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return message;
}

/* Fuzz text as it can go into a failure message: escaped and cut. */
static const char *shown(apr_pool_t *p, const char *s)
{
    enum { SHOWN_MAX = 160 };
    size_t len = strlen(s), n = len < SHOWN_MAX ? len : SHOWN_MAX, i;
    char *out = apr_palloc(p, n * 4 + 4), *w = out;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f && c != '\\')
            *w++ = (char)c;
        else
            w += sprintf(w, "\\x%02x", c);
    }
    strcpy(w, n < len ? "..." : "");
    return out;
}

/* The input cut at '\n', each line its own exact C string. */
static apr_array_header_t *split_lines(apr_pool_t *p, const char *data,
                                       size_t size)
{
    apr_array_header_t *lines = apr_array_make(p, 8, sizeof(char *));
    const char *end = data + size;

    for (;;) {
        const char *newline = memchr(data, '\n', (size_t)(end - data));
        const char *stop = newline ? newline : end;

        APR_ARRAY_PUSH(lines, char *) = exact_string(p, data,
                                                     (size_t)(stop - data));
        if (!newline)
            return lines;
        data = newline + 1;
    }
}

static const char *line_at(const apr_array_header_t *lines, int i,
                           const char *otherwise)
{
    return i < lines->nelts ? APR_ARRAY_IDX(lines, i, const char *)
                            : otherwise;
}

static int all_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ip_equal(const phs_ip_t *a, const phs_ip_t *b)
{
    return a->hi == b->hi && a->lo == b->lo;
}

/* The address with all but its top `bits` bits cleared. */
static phs_ip_t ip_masked(phs_ip_t ip, unsigned bits)
{
    if (bits < 64) {
        ip.hi = bits ? ip.hi >> (64 - bits) << (64 - bits) : 0;
        ip.lo = 0;
    }
    else if (bits < 128) {
        ip.lo = bits > 64 ? ip.lo >> (128 - bits) << (128 - bits) : 0;
    }
    return ip;
}

/* The last address of a block. */
static phs_ip_t ip_block_last(const phs_cidr_t *block)
{
    phs_ip_t last = block->base;
    apr_uint64_t all = ~APR_UINT64_C(0);

    if (block->bits < 64) {
        last.hi |= block->bits ? all >> block->bits : all;
        last.lo = all;
    }
    else if (block->bits < 128) {
        last.lo |= block->bits > 64 ? all >> (block->bits - 64) : all;
    }
    return last;
}

/* ip + 1 or ip - 1, wrapping around the 128-bit space. */
static phs_ip_t ip_step(phs_ip_t ip, int up)
{
    if (up) {
        if (++ip.lo == 0)
            ip.hi++;
    }
    else {
        if (ip.lo-- == 0)
            ip.hi--;
    }
    return ip;
}

static const char *ip_text(apr_pool_t *p, const phs_ip_t *ip)
{
    return phs_ip_format(ip, apr_palloc(p, PHS_IP_TEXT_MAX));
}

/* A parsed address formats within PHS_IP_TEXT_MAX and parses back to
 * itself. */
static const char *ip_round_trip(apr_pool_t *p, const phs_ip_t *ip)
{
    char *text = exact_block(p, PHS_IP_TEXT_MAX);
    size_t len;
    phs_ip_t again;

    phs_ip_format(ip, text);
    len = strnlen(text, PHS_IP_TEXT_MAX);
    if (len == PHS_IP_TEXT_MAX)
        return "phs_ip_format wrote no NUL within PHS_IP_TEXT_MAX";
    if (!phs_ip_parse(exact_bytes(p, text, len), len, &again)
        || !ip_equal(ip, &again))
        return broken(p, "'%s' does not parse back to the address it was "
                      "formatted from", shown(p, text));
    return NULL;
}

/* ------------------------------------------------------------------ */
/* ip_addr: phs_ip_parse, phs_cidr_parse_len, phs_ip_format,           */
/* phs_ip_from_sockaddr.                                               */

static phs_ip_t ip_from_bytes(int family, const unsigned char *bytes)
{
    apr_sockaddr_t sa;
    phs_ip_t ip = { 0, 0 };

    memset(&sa, 0, sizeof(sa));
    sa.family = family;
    if (family == AF_INET)
        memcpy(&sa.sa.sin.sin_addr, bytes, 4);
    else
        memcpy(&sa.sa.sin6.sin6_addr, bytes, 16);
    if (!phs_ip_from_sockaddr(&sa, &ip))
        ip.hi = ip.lo = ~APR_UINT64_C(0);
    return ip;
}

/* The grammar is RFC 4291's and the dotted quad without leading zeros,
 * which is exactly what glibc's inet_pton accepts: the two must agree on
 * every C string, and phs_ip_from_sockaddr must read inet_pton's bytes as
 * the value we parsed. */
static const char *ip_agrees_with_inet_pton(apr_pool_t *p, const char *text,
                                            size_t len)
{
    unsigned char bytes[16];
    int family = memchr(text, ':', len) ? AF_INET6 : AF_INET;
    phs_ip_t ours, theirs;
    int we_parse, they_parse;

    if (memchr(text, '\0', len))
        return NULL;
    we_parse = phs_ip_parse(text, len, &ours);
    they_parse = inet_pton(family, exact_string(p, text, len), bytes) == 1;
    if (we_parse != they_parse)
        return broken(p, "phs_ip_parse %s '%s', inet_pton %s it",
                      we_parse ? "accepts" : "rejects",
                      shown(p, exact_string(p, text, len)),
                      they_parse ? "accepts" : "rejects");
    theirs = ip_from_bytes(family, bytes);
    if (we_parse && !ip_equal(&ours, &theirs))
        return broken(p, "phs_ip_parse and inet_pton read '%s' differently",
                      shown(p, exact_string(p, text, len)));
    return NULL;
}

/* An error names the token, quoted safely for a log line. */
static const char *cidr_error_ok(apr_pool_t *p, const char *error)
{
    if (!starts_with(error, "invalid IP address or CIDR block '"))
        return broken(p, "unexpected error text '%s'", shown(p, error));
    if (!all_printable(error))
        return broken(p, "error '%s' holds unprintable bytes (log injection)",
                      shown(p, error));
    return NULL;
}

/* A block's text form: what it would be written as in a list. */
static const char *cidr_text(apr_pool_t *p, const phs_cidr_t *block)
{
    int v4 = phs_ip_is_v4(&block->base) && block->bits >= 96;

    return apr_psprintf(p, "%s/%u", ip_text(p, &block->base),
                        v4 ? block->bits - 96 : block->bits);
}

static const char *cidr_invariants(apr_pool_t *p, const char *token,
                                   size_t len, const phs_cidr_t *block)
{
    const char *text, *error;
    phs_ip_t masked = ip_masked(block->base, block->bits), plain;
    phs_cidr_t again;

    if (block->bits > 128)
        return broken(p, "prefix %u beyond 128 bits", block->bits);
    if (!ip_equal(&masked, &block->base))
        return "a parsed block keeps host bits";
    text = cidr_text(p, block);
    error = phs_cidr_parse(p, exact_string(p, text, strlen(text)), &again);
    if (error || again.bits != block->bits
        || !ip_equal(&again.base, &block->base))
        return broken(p, "block '%s' does not parse back to itself",
                      shown(p, text));
    if (!memchr(token, '/', len)
        && (!phs_ip_parse(token, len, &plain) || block->bits != 128
            || !ip_equal(&plain, &block->base)))
        return "a block without '/' is not the single address";
    return NULL;
}

static const char *check_cidr(apr_pool_t *p, const char *token, size_t len)
{
    phs_cidr_t block, again;
    const char *error = phs_cidr_parse_len(p, token, len, &block), *other;

    if (!memchr(token, '\0', len)) {
        other = phs_cidr_parse(p, exact_string(p, token, len), &again);
        if (!other != !error
            || (!error && (again.bits != block.bits
                           || !ip_equal(&again.base, &block.base))))
            return "phs_cidr_parse and phs_cidr_parse_len disagree";
    }
    return error ? cidr_error_ok(p, error)
                 : cidr_invariants(p, token, len, &block);
}

const char *phs_check_ip_addr(apr_pool_t *p, const char *data, size_t size)
{
    char *bytes = exact_bytes(p, data, size);
    const char *failure;
    phs_ip_t ip;

    if (phs_ip_parse(bytes, size, &ip) && (failure = ip_round_trip(p, &ip)))
        return failure;
    if ((failure = ip_agrees_with_inet_pton(p, bytes, size)))
        return failure;
    return check_cidr(p, bytes, size);
}

/* ------------------------------------------------------------------ */
/* ip_set: lists, files, sealing in stages, lookups against a linear   */
/* scan of the blocks.                                                 */
/*                                                                     */
/* Input: lines.  Each line is a list (text after '#' is a comment)    */
/* given to phs_ip_set_add_list; a blank line seals the set and checks */
/* it; "!N" adds N thousand generated IPv4 blocks (up to 500), enough  */
/* for the big-set structure (262144 ranges and more).  The whole      */
/* input is also loaded as a file and must give the same answers.      */

typedef struct {
    phs_ip_set_t *set;
    apr_array_header_t *blocks;    /* phs_cidr_t, every block added */
    apr_array_header_t *probes;    /* phs_ip_t, addresses to look up */
    int first_bad_line;            /* 1-based, 0: none */
    int bulk;                      /* a "!N" line was seen */
    apr_uint64_t rng;
} set_model_t;

static int naive_contains(const apr_array_header_t *blocks,
                          const phs_ip_t *ip)
{
    const phs_cidr_t *block = (const phs_cidr_t *)blocks->elts;
    int i;

    for (i = 0; i < blocks->nelts; i++) {
        phs_ip_t masked = ip_masked(*ip, block[i].bits);
        if (ip_equal(&masked, &block[i].base))
            return 1;
    }
    return 0;
}

static int is_list_separator(char c)
{
    return c == ',' || apr_isspace(c);
}

/* The documented list grammar: tokens between commas and whitespace.
 * Returns 1 and appends the blocks, or 0 (and appends nothing) when a
 * token is bad. */
static int naive_parse_list(apr_pool_t *p, const char *list,
                            apr_array_header_t *blocks)
{
    apr_array_header_t *found = apr_array_make(p, 8, sizeof(phs_cidr_t));

    while (*list) {
        size_t len = 0;

        while (*list && is_list_separator(*list))
            list++;
        while (list[len] && !is_list_separator(list[len]))
            len++;
        if (len == 0)
            break;
        if (phs_cidr_parse_len(p, exact_bytes(p, list, len), len,
                               apr_array_push(found)))
            return 0;
        list += len;
    }
    apr_array_cat(blocks, found);
    return 1;
}

/* splitmix64, seeded from the input: the same input, the same blocks. */
static apr_uint64_t next_random(apr_uint64_t *state)
{
    apr_uint64_t z = (*state += APR_UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * APR_UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * APR_UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void add_block(set_model_t *m, apr_uint32_t v4, unsigned prefix)
{
    phs_cidr_t block;

    block.base.hi = 0;
    block.base.lo = APR_UINT64_C(0x0000ffff00000000) | v4;
    block.bits = 96 + prefix;
    block.base = ip_masked(block.base, block.bits);
    phs_ip_set_add(m->set, &block);
    APR_ARRAY_PUSH(m->blocks, phs_cidr_t) = block;
}

/* Mostly scattered single addresses (each its own range), a quarter
 * packed around a few anchors so that some slices of the big-set
 * structure overflow into continuation lines. */
static void add_bulk(set_model_t *m, unsigned thousands)
{
    enum { ANCHORS = 64, CLUSTER_SPAN = 1 << 14 };
    apr_uint32_t anchor[ANCHORS];
    unsigned i, count = (thousands > 500 ? 500 : thousands) * 1000;

    for (i = 0; i < ANCHORS; i++)
        anchor[i] = (apr_uint32_t)next_random(&m->rng);
    for (i = 0; i < count; i++) {
        apr_uint64_t r = next_random(&m->rng);

        if (r % 4)
            add_block(m, (apr_uint32_t)(r >> 32), 32);
        else
            add_block(m, anchor[(r >> 8) % ANCHORS]
                         + (apr_uint32_t)((r >> 32) % CLUSTER_SPAN),
                      32 - (unsigned)((r >> 16) % 3));
    }
    m->bulk = 1;
}

static void add_probe(set_model_t *m, phs_ip_t ip)
{
    APR_ARRAY_PUSH(m->probes, phs_ip_t) = ip;
}

/* The edges of a block and their neighbours, where an off-by-one hides. */
static void add_block_probes(set_model_t *m, const phs_cidr_t *block)
{
    phs_ip_t last = ip_block_last(block);

    add_probe(m, block->base);
    add_probe(m, ip_step(block->base, 0));
    add_probe(m, last);
    add_probe(m, ip_step(last, 1));
}

static void add_fixed_probes(apr_pool_t *p, set_model_t *m)
{
    static const char *const probes[] = {
        "0.0.0.0", "255.255.255.255", "10.0.0.1", "127.0.0.1", "192.0.2.1",
        "::", "::1", "::fffe:ffff:ffff", "::1:0:0:0", "2001:db8::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::1",
    };
    size_t i;

    for (i = 0; i < sizeof(probes) / sizeof(*probes); i++) {
        phs_ip_t ip;
        size_t len = strlen(probes[i]);

        if (phs_ip_parse(exact_bytes(p, probes[i], len), len, &ip))
            add_probe(m, ip);
    }
}

/* Probes for the set as it stands: every block's edges for small sets;
 * for generated sets (where the linear scan is the cost) a sample. */
static void collect_probes(apr_pool_t *p, set_model_t *m)
{
    enum { SAMPLED = 48 };
    const phs_cidr_t *block = (const phs_cidr_t *)m->blocks->elts;
    int i, n = m->blocks->nelts;

    m->probes->nelts = 0;
    add_fixed_probes(p, m);
    if (!m->bulk || n <= SAMPLED) {
        for (i = 0; i < n; i++)
            add_block_probes(m, &block[i]);
        return;
    }
    for (i = 0; i < SAMPLED; i++) {
        phs_ip_t random_v4 = { 0, APR_UINT64_C(0x0000ffff00000000)
                                  | (apr_uint32_t)next_random(&m->rng) };
        add_block_probes(m, &block[next_random(&m->rng) % (apr_uint64_t)n]);
        add_probe(m, random_v4);
    }
}

static const char *set_agrees(apr_pool_t *p, const set_model_t *m,
                              const phs_ip_set_t *set, const char *which)
{
    const phs_ip_t *probe = (const phs_ip_t *)m->probes->elts;
    int i;

    for (i = 0; i < m->probes->nelts; i++) {
        int got = phs_ip_set_contains(set, &probe[i]);

        if (got != naive_contains(m->blocks, &probe[i]))
            return broken(p, "%s: %s %s, the linear scan says otherwise "
                          "(%d blocks)", which, ip_text(p, &probe[i]),
                          got ? "is in the set" : "is not in the set",
                          m->blocks->nelts);
    }
    return NULL;
}

static const char *seal_and_compare(apr_pool_t *p, set_model_t *m)
{
    phs_ip_set_seal(m->set);
    (void)phs_ip_set_memory(m->set);
    if (phs_ip_set_block_count(m->set) != (apr_size_t)m->blocks->nelts)
        return broken(p, "the set counts %" APR_SIZE_T_FMT " blocks, %d "
                      "were added", phs_ip_set_block_count(m->set),
                      m->blocks->nelts);
    collect_probes(p, m);
    return set_agrees(p, m, m->set, "after seal");
}

static const char *add_list_line(apr_pool_t *p, set_model_t *m,
                                 char *line, int line_no)
{
    char *comment = strchr(line, '#');
    const char *error;
    int valid;

    if (comment)
        *comment = '\0';
    valid = naive_parse_list(p, line, m->blocks);
    error = phs_ip_set_add_list(m->set, line);
    if (!error != valid)
        return broken(p, "phs_ip_set_add_list %s '%s'", error ? "refuses"
                      : "accepts", shown(p, line));
    if (error && !m->first_bad_line)
        m->first_bad_line = line_no;
    if (phs_ip_set_block_count(m->set) != (apr_size_t)m->blocks->nelts)
        return "a refused list left blocks in the set";
    return NULL;
}

/* An anonymous file, so a file load costs no disk and leaves nothing. */
static const char *memory_file(apr_pool_t *p, const char *data, size_t size,
                               int *fd)
{
    *fd = memfd_create("phs_fuzz_list", 0);
    if (*fd < 0 || write(*fd, data, size) != (ssize_t)size)
        return NULL;
    return apr_psprintf(p, "/proc/self/fd/%d", *fd);
}

/* The same text through phs_ip_set_add_file: all or nothing, the error
 * names the first bad line, and the set answers as the lists did. */
static const char *file_agrees(apr_pool_t *p, const set_model_t *m,
                               const char *data, size_t size)
{
    phs_ip_set_t *from_file = phs_ip_set_make(p);
    int fd;
    const char *path = memory_file(p, data, size, &fd), *error, *expected;

    if (!path) {
        if (fd >= 0)
            close(fd);
        return NULL;            /* no memfd here: nothing to compare */
    }
    error = phs_ip_set_add_file(from_file, path, p);
    close(fd);
    if (!m->first_bad_line) {
        if (error)
            return broken(p, "the file is refused: %s", shown(p, error));
        phs_ip_set_seal(from_file);
        return set_agrees(p, m, from_file, "loaded as a file");
    }
    expected = apr_psprintf(p, "%s:%d: ", path, m->first_bad_line);
    if (!error || !starts_with(error, expected)
        || phs_ip_set_block_count(from_file) != 0)
        return broken(p, "a bad line %d should refuse the file, got '%s'",
                      m->first_bad_line, error ? shown(p, error) : "none");
    return NULL;
}

static const char *set_line(apr_pool_t *p, set_model_t *m, char *line,
                            int line_no)
{
    if (!*line)
        return seal_and_compare(p, m);
    if (line[0] == '!' && apr_isdigit(line[1])) {
        add_bulk(m, (unsigned)atoi(line + 1));
        return NULL;
    }
    return add_list_line(p, m, line, line_no);
}

const char *phs_check_ip_set(apr_pool_t *p, const char *data, size_t size)
{
    apr_array_header_t *lines = split_lines(p, data, size);
    set_model_t m;
    const char *failure;
    int i;

    memset(&m, 0, sizeof(m));
    m.set = phs_ip_set_make(p);
    m.blocks = apr_array_make(p, 64, sizeof(phs_cidr_t));
    m.probes = apr_array_make(p, 64, sizeof(phs_ip_t));
    m.rng = size;
    for (i = 0; i < (int)size; i++)
        m.rng = m.rng * 131 + (unsigned char)data[i];
    for (i = 0; i < lines->nelts; i++)
        if ((failure = set_line(p, &m, APR_ARRAY_IDX(lines, i, char *), i + 1)))
            return failure;
    if ((failure = seal_and_compare(p, &m)))
        return failure;
    /* A file reads NUL and "!N" as bytes of a token; the lists did not. */
    if (m.bulk || memchr(data, '\0', size))
        return NULL;
    return file_agrees(p, &m, data, size);
}

/* ------------------------------------------------------------------ */
/* forwarded: phs_client_resolve under several trust policies, against */
/* a model walking the header split into an array of entries.          */
/*                                                                     */
/* Input: the header value; when it holds a '\n', the text before the  */
/* first one is also tried as a list of trusted proxies.               */

static const char DEFAULT_TRUSTED[] =
    "10.0.0.0/8, 127.0.0.1, ::1, 2001:db8::/32, 192.168.1.1, 172.16.0.0/12";
static const char *const PEERS[] = {
    "10.0.0.1", "::1", "::ffff:10.1.2.3", "203.0.113.9",
};
#define PEER_COUNT (sizeof(PEERS) / sizeof(*PEERS))

typedef struct {
    size_t start, end;          /* [start, end) in the header, untrimmed */
    int blank;
    int parsed;
    phs_ip_t ip;
} entry_t;

typedef struct {
    phs_client_source_t source;
    int client;                 /* index of the client's entry */
} walk_t;

static int blank_text(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static apr_array_header_t *split_entries(apr_pool_t *p, const char *header)
{
    apr_array_header_t *entries = apr_array_make(p, 8, sizeof(entry_t));
    size_t start = 0, len = strlen(header), i;

    for (i = 0; i <= len; i++) {
        entry_t *e;

        if (i < len && header[i] != ',')
            continue;
        e = apr_array_push(entries);
        e->start = start;
        e->end = i;
        e->blank = blank_text(header + start, i - start);
        e->parsed = phs_forwarded_entry_parse(
            exact_bytes(p, header + start, i - start), i - start, &e->ip);
        start = i + 1;
    }
    return entries;
}

static int model_consumed(const phs_trust_t *trust, const entry_t *e,
                          int position)
{
    if (trust->hops > 0)
        return position < trust->hops;
    return trust->trust_all || phs_ip_set_contains(trust->trusted, &e->ip);
}

/* Right to left: trusted hops are consumed, the first one not consumed is
 * the client, the leftmost entry ends the walk. */
static walk_t model_walk(const phs_trust_t *trust, const phs_ip_t *peer,
                         const apr_array_header_t *entries)
{
    const entry_t *e = (const entry_t *)entries->elts;
    walk_t walk = { PHS_CLIENT_PEER, -1 };
    int i, position = 0;
    int peer_trusted = trust->trust_all
                       || (trust->trusted
                           ? phs_ip_set_contains(trust->trusted, peer)
                           : trust->hops > 0);

    if (!peer_trusted)
        return walk;
    for (i = entries->nelts - 1; i >= 0; i--) {
        if (e[i].blank)
            continue;
        position++;
        if (!e[i].parsed) {
            walk.source = PHS_CLIENT_UNKNOWN;
            return walk;
        }
        walk.client = i;
        if (!model_consumed(trust, &e[i], position))
            break;
    }
    if (trust->hops > 0 && position < trust->hops)
        walk.source = PHS_CLIENT_UNKNOWN;
    else if (position > 0)
        walk.source = PHS_CLIENT_FORWARDED;
    return walk;
}

/* The header text left of the client, without separators, or NULL. */
static const char *model_remainder(apr_pool_t *p, const char *header,
                                   const entry_t *client)
{
    size_t end = client->start;

    while (end > 0 && (header[end - 1] == ',' || header[end - 1] == ' '
                       || header[end - 1] == '\t'))
        end--;
    return end ? apr_pstrmemdup(p, header, end) : NULL;
}

static const char *forwarded_result_ok(apr_pool_t *p, const char *header,
                                       const phs_ip_t *peer,
                                       const phs_client_t *got)
{
    const char *failure;

    if (got->source == PHS_CLIENT_UNKNOWN && !got->reason)
        return "an unknown client comes without a reason";
    if (got->source != PHS_CLIENT_FORWARDED)
        return got->remainder ? "a remainder without a forwarded client"
                              : NULL;
    if ((failure = ip_round_trip(p, &got->client)))
        return failure;
    if (got->remainder && !starts_with(header, got->remainder))
        return broken(p, "remainder '%s' is not a prefix of the header",
                      shown(p, got->remainder));
    if (!got->proxies || !starts_with(got->proxies, ip_text(p, peer)))
        return "the proxies do not start with the peer";
    return NULL;
}

static const char *resolve_and_compare(apr_pool_t *p, const char *policy,
                                       const phs_trust_t *trust,
                                       const char *header,
                                       const apr_array_header_t *entries,
                                       const phs_ip_t *peer)
{
    walk_t want = model_walk(trust, peer, entries);
    const entry_t *client = want.client >= 0
        ? &APR_ARRAY_IDX(entries, want.client, entry_t) : NULL;
    const char *failure, *remainder;
    phs_client_t got;

    phs_client_resolve(p, trust, peer, header, &got);
    if ((failure = forwarded_result_ok(p, header, peer, &got)))
        return broken(p, "%s, peer %s: %s", policy, ip_text(p, peer), failure);
    if (got.source != want.source)
        return broken(p, "%s, peer %s: source %d, the model says %d", policy,
                      ip_text(p, peer), (int)got.source, (int)want.source);
    if (want.source != PHS_CLIENT_FORWARDED)
        return NULL;
    remainder = model_remainder(p, header, client);
    if (!ip_equal(&got.client, &client->ip)
        || !remainder != !got.remainder
        || (remainder && strcmp(remainder, got.remainder)))
        return broken(p, "%s, peer %s: client %s remainder '%s', the model "
                      "says %s and '%s'", policy, ip_text(p, peer),
                      ip_text(p, &got.client),
                      got.remainder ? shown(p, got.remainder) : "(none)",
                      ip_text(p, &client->ip),
                      remainder ? shown(p, remainder) : "(none)");
    return NULL;
}

static phs_ip_set_t *sealed_list(apr_pool_t *p, const char *list)
{
    phs_ip_set_t *set = phs_ip_set_make(p);

    phs_ip_set_add_list(set, list);
    phs_ip_set_seal(set);
    return set;
}

/* Blanks around an entry never change what it is. */
static const char *entries_ok(apr_pool_t *p, const char *header,
                              const apr_array_header_t *entries)
{
    const entry_t *e = (const entry_t *)entries->elts;
    int i;

    for (i = 0; i < entries->nelts; i++) {
        const char *padded = apr_psprintf(p, " \t%.*s\t ",
                                          (int)(e[i].end - e[i].start),
                                          header + e[i].start);
        size_t len = strlen(padded);
        phs_ip_t ip;
        const char *failure;

        if (phs_forwarded_entry_parse(exact_bytes(p, padded, len), len, &ip)
            != e[i].parsed || (e[i].parsed && !ip_equal(&ip, &e[i].ip)))
            return broken(p, "entry '%s' reads differently with blanks "
                          "around it", shown(p, padded));
        if (e[i].parsed && (failure = ip_round_trip(p, &e[i].ip)))
            return failure;
    }
    return NULL;
}

static const char *resolve_all_peers(apr_pool_t *p, const char *policy,
                                     const phs_trust_t *trust,
                                     const char *header,
                                     const apr_array_header_t *entries,
                                     const phs_ip_t *extra_peer)
{
    const char *failure;
    size_t i;

    for (i = 0; i < PEER_COUNT; i++) {
        phs_ip_t peer;

        phs_ip_parse(PEERS[i], strlen(PEERS[i]), &peer);
        if ((failure = resolve_and_compare(p, policy, trust, header, entries,
                                           &peer)))
            return failure;
    }
    return extra_peer ? resolve_and_compare(p, policy, trust, header, entries,
                                            extra_peer)
                      : NULL;
}

const char *phs_check_forwarded(apr_pool_t *p, const char *data, size_t size)
{
    const char *newline = memchr(data, '\n', size);
    const char *header = exact_string(p, data, size), *failure;
    const char *fuzz_list = newline ? exact_string(p, data,
                                                   (size_t)(newline - data))
                                    : NULL;
    phs_ip_set_t *trusted = sealed_list(p, DEFAULT_TRUSTED);
    apr_array_header_t *entries;
    phs_trust_t trust[] = {
        { trusted, 0, 0 }, { NULL, 1, 0 }, { NULL, 0, 1 }, { NULL, 0, 2 },
        { NULL, 0, 3 }, { trusted, 0, 2 },
    };
    static const char *const names[] = {
        "trusted list", "trust all", "hops=1", "hops=2", "hops=3",
        "trusted list + hops=2",
    };
    size_t i;

    if (newline)
        header = exact_string(p, newline + 1,
                              size - (size_t)(newline + 1 - data));
    entries = split_entries(p, header);
    if ((failure = entries_ok(p, header, entries)))
        return failure;
    for (i = 0; i < sizeof(trust) / sizeof(*trust); i++)
        if ((failure = resolve_all_peers(p, names[i], &trust[i], header,
                                         entries, NULL)))
            return failure;
    if (fuzz_list) {
        phs_trust_t own = { sealed_list(p, fuzz_list), 0, 0 };
        phs_cidr_t first;
        const char *first_token = apr_pstrndup(p, fuzz_list,
                                               strcspn(fuzz_list, ", \t"));
        int has_first = !phs_cidr_parse(p, first_token, &first);

        return resolve_all_peers(p, "the input's list", &own, header,
                                 entries, has_first ? &first.base : NULL);
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* cookie: phs_cookie_rewrite under several policies, against a model  */
/* that predicts the output string; stability; the exemption patterns. */
/*                                                                     */
/* Input: one Set-Cookie value.                                        */

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

static int same_word(const char *s, size_t len, const char *lowercase_word)
{
    return strlen(lowercase_word) == len
           && !strncasecmp(s, lowercase_word, len);
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
    if (same_word(name, name_len, "secure"))
        m->has_secure = 1;
    else if (same_word(name, name_len, "httponly"))
        m->has_httponly = 1;
    else if (same_word(name, name_len, "samesite")) {
        m->has_samesite = 1;
        m->samesite_none = eq && same_word(value, value_len, "none");
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

static cookie_expectation_t expected_rewrite(apr_pool_t *p,
                                             const phs_cookie_policy_t *policy,
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
    unsigned warnings = 0;
    const char *out = phs_cookie_rewrite(p, policy, in, &warnings), *again;

    if (!out)
        return broken(p, "%s: no output for '%s'", name, shown(p, in));
    if ((out != in) != want.changed || strcmp(out, want.text)
        || warnings != want.warnings)
        return broken(p, "%s: '%s' became '%s' (warnings %u), the model says "
                      "'%s' (%u)", name, shown(p, in), shown(p, out), warnings,
                      shown(p, want.text), want.warnings);
    if (!starts_with(out, apr_pstrmemdup(p, in, model_cookie(in).content_len)))
        return broken(p, "%s: the input is not a prefix of '%s'", name,
                      shown(p, out));
    again = phs_cookie_rewrite(p, policy, exact_string(p, out, strlen(out)),
                               NULL);
    if (strcmp(again, out))
        return broken(p, "%s: not stable: '%s' became '%s' on a second pass",
                      name, shown(p, out), shown(p, again));
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
    const char *cookie = apr_psprintf(p, "%.*s=1", (int)name_len, pattern);

    if (!phs_cookie_name_matches(list, exact_bytes(p, pattern, name_len),
                                 name_len))
        return broken(p, "pattern '%s' does not match its own name",
                      shown(p, pattern));
    if (!prefix && phs_cookie_name_matches(list,
                                           apr_pstrcat(p, pattern, "x", NULL),
                                           len + 1))
        return broken(p, "exact pattern '%s' matches a longer name",
                      shown(p, pattern));
    /* Only what the rewrite appends counts: the name may say HttpOnly. */
    if (strstr(phs_cookie_rewrite(p, &exempting, cookie, NULL)
               + strlen(cookie), "HttpOnly"))
        return broken(p, "'%s' got HttpOnly though exempt by '%s'",
                      shown(p, cookie), shown(p, pattern));
    return NULL;
}

const char *phs_check_cookie(apr_pool_t *p, const char *data, size_t size)
{
    const char *in = exact_string(p, data, size), *failure;
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
    /* The same text as a value: whatever it says, it is not an attribute. */
    char *as_value = apr_pstrcat(p, "v=", in, NULL), *c;
    size_t i;

    for (c = as_value; *c; c++)
        if (*c == ';')
            *c = ' ';
    for (i = 0; i < sizeof(policy) / sizeof(*policy); i++)
        if ((failure = rewrite_and_compare(p, names[i], &policy[i], in))
            || (failure = rewrite_and_compare(p, names[i], &policy[i],
                                              exact_string(p, as_value,
                                                           strlen(as_value)))))
            return failure;
    return phs_cookie_pattern_check(p, in) ? NULL : pattern_works(p, in);
}

/* ------------------------------------------------------------------ */
/* https_redirect: phs_origin_target, phs_https_location,              */
/* phs_host_is_known, phs_hsts_check.                                  */
/*                                                                     */
/* Input: lines: the request target, the Host (as r->hostname), the    */
/* ServerName, then ServerAlias names (with '*' or '?': wildcards, as  */
/* httpd sorts them).  The first line and the whole input are also     */
/* checked as HSTS values.                                             */

static const char *origin_target_ok(apr_pool_t *p, const char *request_target,
                                    const char **target)
{
    *target = phs_origin_target(p, request_target);
    if (!*target)
        return request_target[0] == '/' ? "an origin-form target was refused"
                                        : NULL;
    if ((*target)[0] != '/')
        return broken(p, "target '%s' does not start with '/'",
                      shown(p, *target));
    if (request_target[0] == '/' && *target != request_target)
        return "an origin-form target was not passed through as is";
    /* Path and query are copied byte for byte: the target is a piece of
     * what the client sent. */
    if (!strstr(request_target, *target))
        return broken(p, "target '%s' is not part of '%s'", shown(p, *target),
                      shown(p, request_target));
    return NULL;
}

static int naive_host_known(const char *host, const char *server_name,
                            const apr_array_header_t *names,
                            const apr_array_header_t *wild_names)
{
    int i;

    if (!*host)
        return 0;
    if (!strcasecmp(host, server_name))
        return 1;
    for (i = 0; i < names->nelts; i++)
        if (!strcasecmp(host, APR_ARRAY_IDX(names, i, const char *)))
            return 1;
    for (i = 0; i < wild_names->nelts; i++)
        if (apr_fnmatch(APR_ARRAY_IDX(wild_names, i, const char *), host,
                        APR_FNM_CASE_BLIND) == APR_SUCCESS)
            return 1;
    return 0;
}

static char *ascii_upper(apr_pool_t *p, const char *s)
{
    char *copy = apr_pstrdup(p, s), *c;

    for (c = copy; *c; c++)
        *c = (char)apr_toupper(*c);
    return copy;
}

static const char *host_check(apr_pool_t *p, const char *host,
                              const char *server_name,
                              const apr_array_header_t *names,
                              const apr_array_header_t *wild_names,
                              int *known)
{
    *known = phs_host_is_known(host, server_name, names, wild_names);
    if (*known != naive_host_known(host, server_name, names, wild_names))
        return broken(p, "host '%s' is %s, the model disagrees",
                      shown(p, host), *known ? "known" : "unknown");
    if (phs_host_is_known(ascii_upper(p, host), server_name, names,
                          wild_names) != *known)
        return broken(p, "host '%s' changes with case", shown(p, host));
    if (phs_host_is_known(NULL, server_name, names, wild_names)
        || phs_host_is_known("", server_name, names, wild_names))
        return "a missing or empty host is known";
    return NULL;
}

static const char *location_ok(apr_pool_t *p, const char *host,
                               unsigned port, const char *target)
{
    int brackets = strchr(host, ':') && host[0] != '[';
    const char *want = apr_psprintf(p, "https://%s%s%s%s%s", brackets ? "["
                                    : "", host, brackets ? "]" : "",
                                    port == 443 ? "" : apr_psprintf(p, ":%u",
                                                                    port),
                                    target);
    const char *got = phs_https_location(p, host, port, target);

    if (strcmp(got, want))
        return broken(p, "location '%s', expected '%s'", shown(p, got),
                      shown(p, want));
    return NULL;
}

/* The model of the check: ';'-separated tokens (empty ones skipped),
 * trimmed, each one of max-age=DIGITS, includeSubDomains, preload, once. */
static int naive_hsts_ok(apr_pool_t *p, const char *value)
{
    char *copy = apr_pstrdup(p, value), *token, *next;
    int max_age = 0, subdomains = 0, preload = 0;

    for (token = copy; token; token = next) {
        size_t len;

        next = strchr(token, ';');
        if (next)
            *next++ = '\0';
        if (!*token)
            continue;
        while (apr_isspace(*token))
            token++;
        for (len = strlen(token); len && apr_isspace(token[len - 1]); len--)
            ;
        if (len > 8 && !strncasecmp(token, "max-age=", 8)
            && strspn(token + 8, "0123456789") == len - 8)
            max_age++;
        else if (same_word(token, len, "includesubdomains"))
            subdomains++;
        else if (same_word(token, len, "preload"))
            preload++;
        else
            return 0;
    }
    return max_age == 1 && subdomains <= 1 && preload <= 1;
}

static const char *hsts_ok(apr_pool_t *p, const char *value)
{
    const char *error = phs_hsts_check(p, value);

    if (!error != naive_hsts_ok(p, value))
        return broken(p, "phs_hsts_check %s '%s'",
                      error ? "refuses" : "accepts", shown(p, value));
    return NULL;
}

static void sort_alias(apr_array_header_t *names,
                       apr_array_header_t *wild_names, const char *alias)
{
    apr_array_header_t *to = strpbrk(alias, "*?") ? wild_names : names;

    APR_ARRAY_PUSH(to, const char *) = alias;
}

const char *phs_check_https_redirect(apr_pool_t *p, const char *data,
                                     size_t size)
{
    static const unsigned ports[] = { 443, 8443, 80, 1, 65535 };
    apr_array_header_t *lines = split_lines(p, data, size);
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(char *));
    apr_array_header_t *wild = apr_array_make(p, 4, sizeof(char *));
    const char *request_target = line_at(lines, 0, "");
    const char *host = line_at(lines, 1, "");
    const char *server_name = line_at(lines, 2, "posthog.example.com");
    const char *target, *failure, *redirect_host;
    int known, i;

    APR_ARRAY_PUSH(wild, const char *) = "*.posthog.example.com";
    for (i = 3; i < lines->nelts; i++)
        sort_alias(names, wild, APR_ARRAY_IDX(lines, i, const char *));
    if ((failure = origin_target_ok(p, request_target, &target))
        || (failure = host_check(p, host, server_name, names, wild, &known))
        || (failure = hsts_ok(p, request_target))
        || (failure = hsts_ok(p, exact_string(p, data, size))))
        return failure;
    if (!target)
        return NULL;
    /* Never a host the client made up: the Host only when it is known. */
    redirect_host = known ? host : server_name;
    for (i = 0; i < (int)(sizeof(ports) / sizeof(*ports)); i++)
        if ((failure = location_ok(p, redirect_host, ports[i], target)))
            return failure;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* secret_key: phs_env_bool, phs_env_is_set, phs_secret_key_problem,   */
/* phs_client_ip_signature.                                            */
/*                                                                     */
/* Input: the whole text and each line are tried as values and keys;   */
/* the first line is the key, the second the IP, the third the seconds */
/* of a signature.                                                     */

static int naive_is_set(const char *value)
{
    for (; *value; value++)
        if (!apr_isspace(*value))
            return 1;
    return 0;
}

static int naive_bool(const char *value)
{
    static const char *const truths[] = { "y", "yes", "t", "true", "on", "1" };
    const char *end = value + strlen(value);
    size_t i;

    while (apr_isspace(*value))
        value++;
    while (end > value && apr_isspace(end[-1]))
        end--;
    if (end == value)
        return -1;
    for (i = 0; i < sizeof(truths) / sizeof(*truths); i++)
        if (same_word(value, (size_t)(end - value), truths[i]))
            return 1;
    return 0;
}

/* p is a period of key when the key equals itself shifted by p. */
static size_t naive_period(const char *key, size_t len)
{
    size_t p;

    for (p = 1; p < len; p++)
        if (!memcmp(key, key + p, len - p))
            return p;
    return len;
}

static int naive_distinct(const char *key)
{
    int seen[256] = { 0 }, count = 0;

    for (; *key; key++)
        count += !seen[(unsigned char)*key]++;
    return count;
}

static int naive_key_fit(const char *key)
{
    size_t len = strlen(key);

    return strcmp(key, PHS_SECRET_KEY_PLACEHOLDER) && len >= 32
           && naive_period(key, len) > 8 && naive_distinct(key) >= 8;
}

static const char *value_ok(apr_pool_t *p, const char *value)
{
    const char *problem = phs_secret_key_problem(value);

    if (phs_env_is_set(value) != naive_is_set(value))
        return broken(p, "phs_env_is_set('%s') is wrong", shown(p, value));
    if (phs_env_bool(value) != naive_bool(value))
        return broken(p, "phs_env_bool('%s') is %d", shown(p, value),
                      phs_env_bool(value));
    if (!problem != naive_key_fit(value))
        return broken(p, "key '%s' is %s", shown(p, value),
                      problem ? "refused" : "accepted");
    /* The key is never quoted back. */
    if (problem && strlen(value) >= 8 && strstr(problem, value))
        return "a key problem quotes the key";
    return phs_env_bool(NULL) == -1 && !phs_env_is_set(NULL)
           ? NULL : "NULL is not unset";
}

static int is_lower_hex(const char *s, size_t len)
{
    return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

/* 64 lowercase hex digits, the same for the same input, another for
 * another second. */
static const char *signature_ok(apr_pool_t *p, const char *key,
                                const char *ip, apr_int64_t seconds)
{
    const char *mac = phs_client_ip_signature(p, key, ip, seconds);
    const char *same = phs_client_ip_signature(p, key, ip, seconds);
    const char *next = phs_client_ip_signature(p, key, ip, seconds + 1);

    if (!mac && !*key)
        return NULL;            /* an empty key is never accepted anyway */
    if (!mac || !is_lower_hex(mac, 64))
        return broken(p, "signature '%s' is not 64 lowercase hex digits",
                      mac ? shown(p, mac) : "(null)");
    if (!same || strcmp(mac, same) || !next || !strcmp(mac, next))
        return "the signature does not depend on its input alone";
    return NULL;
}

const char *phs_check_secret_key(apr_pool_t *p, const char *data, size_t size)
{
    apr_array_header_t *lines = split_lines(p, data, size);
    const char *failure;
    int i;

    if ((failure = value_ok(p, exact_string(p, data, size))))
        return failure;
    for (i = 0; i < lines->nelts; i++)
        if ((failure = value_ok(p, APR_ARRAY_IDX(lines, i, const char *))))
            return failure;
    return signature_ok(p, line_at(lines, 0, ""), line_at(lines, 1, ""),
                        apr_atoi64(line_at(lines, 2, "0")));
}

/* ------------------------------------------------------------------ */
/* path_segment: phs_segment_add, phs_segment_set_make,                */
/* phs_path_first_segment_in.                                          */
/*                                                                     */
/* Input: the first line is a list of segments (spaces or tabs between */
/* them); each further line is a request path to test against it and   */
/* against PostHog's default list.                                     */

static const char DEFAULT_EXEMPT[] = "e i batch capture track engage s decide "
    "flags array static _health _readyz _livez messaging-preferences";

static int naive_segment_ok(const char *segment)
{
    const char *c;

    if (!*segment || !strcmp(segment, ".") || !strcmp(segment, ".."))
        return 0;
    for (c = segment; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f
            || strchr("/\\%?#", *c))
            return 0;
    return 1;
}

/* Could a backend read the path differently from httpd's routing? */
static int naive_ambiguous(const char *path)
{
    const char *c;

    if (strchr(path, '\\') || strstr(path, ".."))
        return 1;
    for (c = path; *c; c++)
        if (c[0] == '%' && c[1] && c[2]
            && (!strncasecmp(c + 1, "2f", 2) || !strncasecmp(c + 1, "5c", 2)))
            return 1;
    return 0;
}

static int naive_exempt(const apr_array_header_t *segments, const char *path)
{
    size_t first_len;
    int i;

    if (path[0] != '/' || naive_ambiguous(path))
        return 0;
    first_len = strcspn(path + 1, "/");
    for (i = 0; i < segments->nelts; i++) {
        const char *segment = APR_ARRAY_IDX(segments, i, const char *);
        if (strlen(segment) == first_len
            && !memcmp(segment, path + 1, first_len))
            return 1;
    }
    return 0;
}

/* Adds each word of the list, checks the verdict, keeps the good ones. */
static const char *build_segments(apr_pool_t *p, const char *list,
                                  apr_hash_t *set,
                                  apr_array_header_t *segments)
{
    char *copy = apr_pstrdup(p, list), *state, *word;

    /* The separators of phs_segment_set_make. */
    for (word = apr_strtok(copy, " \t\r\n", &state); word;
         word = apr_strtok(NULL, " \t\r\n", &state)) {
        const char *error = phs_segment_add(set, exact_string(p, word,
                                                              strlen(word)));

        if (!error != naive_segment_ok(word))
            return broken(p, "segment '%s' is %s", shown(p, word),
                          error ? "refused" : "accepted");
        if (error && !strstr(error, word))
            return broken(p, "the error for '%s' does not name it",
                          shown(p, word));
        if (!error)
            APR_ARRAY_PUSH(segments, const char *) = word;
    }
    return NULL;
}

static const char *path_ok(apr_pool_t *p, const apr_hash_t *set,
                           const apr_array_header_t *segments,
                           const char *path, const char *which)
{
    int got = phs_path_first_segment_in(set, path);

    if (got != naive_exempt(segments, path))
        return broken(p, "path '%s' is %s with %s, the model disagrees",
                      shown(p, path), got ? "exempt" : "restricted", which);
    return NULL;
}

const char *phs_check_path_segment(apr_pool_t *p, const char *data,
                                   size_t size)
{
    apr_array_header_t *lines = split_lines(p, data, size);
    apr_array_header_t *own = apr_array_make(p, 8, sizeof(char *));
    apr_array_header_t *defaults = apr_array_make(p, 16, sizeof(char *));
    apr_hash_t *own_set = apr_hash_make(p), *default_set = apr_hash_make(p);
    const char *failure;
    int i;

    if ((failure = build_segments(p, line_at(lines, 0, ""), own_set, own))
        || (failure = build_segments(p, DEFAULT_EXEMPT, default_set,
                                     defaults)))
        return failure;
    if (apr_hash_count(phs_segment_set_make(p, line_at(lines, 0, "")))
        != apr_hash_count(own_set))
        return "phs_segment_set_make keeps another set than phs_segment_add";
    for (i = 0; i < lines->nelts; i++) {
        const char *path = APR_ARRAY_IDX(lines, i, const char *);

        if ((failure = path_ok(p, own_set, own, path, "the input's list"))
            || (failure = path_ok(p, default_set, defaults, path,
                                  "the default list")))
            return failure;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */

const phs_fuzz_target_t phs_fuzz_targets[] = {
    { "ip_addr", phs_check_ip_addr },
    { "ip_set", phs_check_ip_set },
    { "forwarded", phs_check_forwarded },
    { "cookie", phs_check_cookie },
    { "https_redirect", phs_check_https_redirect },
    { "secret_key", phs_check_secret_key },
    { "path_segment", phs_check_path_segment },
    { NULL, NULL },
};
