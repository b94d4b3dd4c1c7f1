/* Fuzz target: the IP set (phs_ip_set_add_list, phs_ip_set_add_file,
 * phs_ip_set_add, phs_ip_set_seal, phs_ip_set_contains), every answer
 * checked against a linear scan of the blocks added.
 *
 * Input: lines.  Each line is a list (text after '#' is a comment) for
 * phs_ip_set_add_list; a blank line seals the set and checks it (adding
 * after a seal is allowed); "!N" adds 2^N generated IPv4 blocks, "~N" 2^N
 * generated IPv6 ones (N <= 12).  The whole input, loaded as a file, must
 * give the same answers, or be refused naming the first bad line (a "!N"
 * or "~N" line is a bad token there). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "phs_ip_set.h"

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

/* A generated IPv4 range; generated sets are large, and this is the form
 * a linear scan goes through fastest. */
typedef struct {
    apr_uint32_t first, last;
} v4_range_t;

/* A generated IPv6 range. */
typedef struct {
    phs_ip_t first, last;
} v6_range_t;

typedef struct {
    phs_ip_set_t *set;
    apr_array_header_t *blocks;    /* phs_cidr_t, the blocks of the lists */
    apr_array_header_t *generated; /* v4_range_t, the blocks of "!N" */
    apr_array_header_t *generated6; /* v6_range_t, the blocks of "~N" */
    apr_array_header_t *probes;    /* phs_ip_t, addresses to look up */
    int first_refused_line;        /* that a file load refuses (a bad list
                                      or a "!N"), 1-based; 0: none */
    apr_uint64_t rng;
} set_model_t;

FUZZ_MODEL_HOT_LOOP
static int generated_contains(const apr_array_header_t *generated,
                              apr_uint32_t v4)
{
    const v4_range_t *range = (const v4_range_t *)generated->elts;
    int i;

    for (i = 0; i < generated->nelts; i++)
        if (range[i].first <= v4 && v4 <= range[i].last)
            return 1;
    return 0;
}

static int ip_not_above(const phs_ip_t *a, const phs_ip_t *b)
{
    return a->hi < b->hi || (a->hi == b->hi && a->lo <= b->lo);
}

FUZZ_MODEL_HOT_LOOP
static int generated6_contains(const apr_array_header_t *generated,
                               const phs_ip_t *ip)
{
    const v6_range_t *range = (const v6_range_t *)generated->elts;
    int i;

    for (i = 0; i < generated->nelts; i++)
        if (ip_not_above(&range[i].first, ip)
            && ip_not_above(ip, &range[i].last))
            return 1;
    return 0;
}

static int naive_contains(const set_model_t *m, const phs_ip_t *ip)
{
    const phs_cidr_t *block = (const phs_cidr_t *)m->blocks->elts;
    int i;

    for (i = 0; i < m->blocks->nelts; i++) {
        phs_ip_t masked = fuzz_ip_masked(*ip, block[i].bits);
        if (fuzz_ip_equal(&masked, &block[i].base))
            return 1;
    }
    return phs_ip_is_v4(ip)
           ? generated_contains(m->generated, (apr_uint32_t)ip->lo)
           : generated6_contains(m->generated6, ip);
}

static apr_size_t model_block_count(const set_model_t *m)
{
    return (apr_size_t)m->blocks->nelts + (apr_size_t)m->generated->nelts
           + (apr_size_t)m->generated6->nelts;
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
        if (phs_cidr_parse_len(p, fuzz_exact_bytes(p, list, len), len,
                               apr_array_push(found)))
            return 0;
        list += len;
    }
    apr_array_cat(blocks, found);
    return 1;
}

/* splitmix64. */
static apr_uint64_t next_random(apr_uint64_t *state)
{
    apr_uint64_t z = (*state += APR_UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * APR_UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * APR_UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void add_generated(set_model_t *m, apr_uint32_t v4, unsigned prefix)
{
    apr_uint32_t host = prefix >= 32 ? 0 : 0xffffffff >> prefix;
    v4_range_t *range = apr_array_push(m->generated);
    phs_cidr_t block;

    range->first = v4 & ~host;
    range->last = v4 | host;
    block.base.hi = 0;
    block.base.lo = APR_UINT64_C(0x0000ffff00000000) | range->first;
    block.bits = 96 + prefix;
    phs_ip_set_add(m->set, &block);
}

/* "!N": 2^N generated IPv4 blocks, N at most 12 (a larger N adds none):
 * enough for a deep index and crowded buckets, cheap enough to keep the
 * fuzzer fast.  Sets past 262144 ranges (the "lines" structure) take about
 * a second per input under the sanitizers; t/unit/test_ip_set.c
 * cross-checks those with random sets instead.  Mostly scattered single
 * addresses, the rest packed around a few anchors. */
enum { BULK_MAX_POWER = 12, ANCHORS = 16, CLUSTER_SPAN = 1 << 12 };

/* The blocks a "!N" or "~N" line adds, and the anchors they pack around. */
static unsigned bulk_start(set_model_t *m, const char *digits,
                           apr_uint64_t anchor[ANCHORS])
{
    long power = strtol(digits, NULL, 10);
    int i;

    for (i = 0; i < ANCHORS; i++)
        anchor[i] = next_random(&m->rng);
    return power >= 0 && power <= BULK_MAX_POWER ? 1u << power : 0;
}

static void add_bulk(set_model_t *m, const char *digits)
{
    apr_uint64_t anchor[ANCHORS];
    unsigned i, count = bulk_start(m, digits, anchor);

    for (i = 0; i < count; i++) {
        apr_uint64_t r = next_random(&m->rng);

        if (r % 8)
            add_generated(m, (apr_uint32_t)(r >> 32), 32);
        else
            add_generated(m, (apr_uint32_t)anchor[(r >> 8) % ANCHORS]
                             + (apr_uint32_t)((r >> 32) % CLUSTER_SPAN),
                          32 - (unsigned)((r >> 16) % 3));
    }
}

static void add_generated6(set_model_t *m, phs_ip_t ip, unsigned prefix)
{
    v6_range_t *range = apr_array_push(m->generated6);
    phs_cidr_t block;

    block.base = fuzz_ip_masked(ip, prefix);
    block.bits = prefix;
    range->first = block.base;
    range->last = ip_block_last(&block);
    phs_ip_set_add(m->set, &block);
}

/* "~N": 2^N generated IPv6 blocks, N at most 12, in 2000::/3 (never the
 * IPv4-mapped space).  Each of the set's tables gets its share: /32 to
 * /64 prefixes (the ranges on /64 boundaries), and /65 to /128 ones; a
 * quarter packed around a few anchors, for crowded buckets. */
static void add_bulk6(set_model_t *m, const char *digits)
{
    apr_uint64_t anchor[ANCHORS];
    unsigned i, count = bulk_start(m, digits, anchor);

    for (i = 0; i < count; i++) {
        apr_uint64_t r = next_random(&m->rng), lo = next_random(&m->rng);
        phs_ip_t ip;
        unsigned prefix;

        ip.hi = r % 4 ? next_random(&m->rng)
                      : anchor[r % ANCHORS] + ((r >> 8) % CLUSTER_SPAN << 16);
        ip.hi = (ip.hi & ~(APR_UINT64_C(7) << 61)) | APR_UINT64_C(1) << 61;
        ip.lo = lo;
        prefix = (r >> 32) % 2 ? 32 + (unsigned)((r >> 40) % 33)
                               : 65 + (unsigned)((r >> 40) % 64);
        add_generated6(m, ip, prefix);
    }
}

static void add_probe(set_model_t *m, phs_ip_t ip)
{
    APR_ARRAY_PUSH(m->probes, phs_ip_t) = ip;
}

/* The edges of a block and their neighbours, where an off-by-one hides. */
static void add_edge_probes(set_model_t *m, phs_ip_t first, phs_ip_t last)
{
    add_probe(m, first);
    add_probe(m, ip_step(first, 0));
    add_probe(m, last);
    add_probe(m, ip_step(last, 1));
}

static phs_ip_t v4_address(apr_uint32_t v4)
{
    phs_ip_t ip = { 0, APR_UINT64_C(0x0000ffff00000000) | v4 };

    return ip;
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

        if (phs_ip_parse(fuzz_exact_bytes(p, probes[i], len), len, &ip))
            add_probe(m, ip);
    }
}

/* Probes for the set as it stands: the edges of every listed block, and
 * of a sample of the generated ones (the linear scan is the cost there),
 * with random addresses among them. */
static void collect_probes(apr_pool_t *p, set_model_t *m)
{
    enum { SAMPLED = 64 };
    const phs_cidr_t *block = (const phs_cidr_t *)m->blocks->elts;
    const v4_range_t *range = (const v4_range_t *)m->generated->elts;
    int i, n = m->generated->nelts;

    m->probes->nelts = 0;
    add_fixed_probes(p, m);
    for (i = 0; i < m->blocks->nelts; i++)
        add_edge_probes(m, block[i].base, ip_block_last(&block[i]));
    for (i = 0; n && i < SAMPLED; i++) {
        const v4_range_t *r = &range[next_random(&m->rng) % (apr_uint64_t)n];

        add_edge_probes(m, v4_address(r->first), v4_address(r->last));
        add_probe(m, v4_address((apr_uint32_t)next_random(&m->rng)));
    }
    n = m->generated6->nelts;
    for (i = 0; n && i < SAMPLED; i++) {
        const v6_range_t *r = &APR_ARRAY_IDX(m->generated6,
            next_random(&m->rng) % (apr_uint64_t)n, v6_range_t);
        phs_ip_t near = r->first;

        add_edge_probes(m, r->first, r->last);
        /* The same /64, elsewhere in it. */
        near.lo = next_random(&m->rng);
        add_probe(m, near);
    }
}

static const char *set_agrees(apr_pool_t *p, const set_model_t *m,
                              const phs_ip_set_t *set, const char *which)
{
    const phs_ip_t *probe = (const phs_ip_t *)m->probes->elts;
    int i;

    for (i = 0; i < m->probes->nelts; i++) {
        int got = phs_ip_set_contains(set, &probe[i]);

        if (got != naive_contains(m, &probe[i]))
            return fuzz_broken(p, "%s: %s %s, the linear scan says otherwise "
                               "(%" APR_SIZE_T_FMT " blocks)", which,
                               fuzz_ip_text(p, &probe[i]),
                               got ? "is in the set" : "is not in the set",
                               model_block_count(m));
    }
    return NULL;
}

static const char *seal_and_compare(apr_pool_t *p, set_model_t *m)
{
    phs_ip_set_seal(m->set);
    (void)phs_ip_set_memory(m->set);
    if (phs_ip_set_block_count(m->set) != model_block_count(m))
        return fuzz_broken(p, "the set counts %" APR_SIZE_T_FMT " blocks, "
                           "%" APR_SIZE_T_FMT " were added",
                           phs_ip_set_block_count(m->set),
                           model_block_count(m));
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
    if ((error == NULL) != valid)
        return fuzz_broken(p, "phs_ip_set_add_list %s '%s'",
                           error ? "refuses" : "accepts",
                           fuzz_shown(p, line));
    if (error && !m->first_refused_line)
        m->first_refused_line = line_no;
    if (phs_ip_set_block_count(m->set) != model_block_count(m))
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
    if (!m->first_refused_line) {
        if (error)
            return fuzz_broken(p, "the file is refused: %s",
                               fuzz_shown(p, error));
        phs_ip_set_seal(from_file);
        return set_agrees(p, m, from_file, "loaded as a file");
    }
    expected = apr_psprintf(p, "%s:%d: ", path, m->first_refused_line);
    if (!error || !fuzz_starts_with(error, expected)
        || phs_ip_set_block_count(from_file) != 0)
        return fuzz_broken(p, "line %d should refuse the file, got '%s'",
                           m->first_refused_line,
                           error ? fuzz_shown(p, error) : "none");
    return NULL;
}

static const char *set_line(apr_pool_t *p, set_model_t *m, char *line,
                            int line_no)
{
    if (!*line)
        return seal_and_compare(p, m);
    if ((line[0] == '!' || line[0] == '~') && apr_isdigit(line[1])) {
        if (line[0] == '!')
            add_bulk(m, line + 1);
        else
            add_bulk6(m, line + 1);
        if (!m->first_refused_line)
            m->first_refused_line = line_no;
        return NULL;
    }
    return add_list_line(p, m, line, line_no);
}

/* The same input, the same generated blocks and random probes. */
static apr_uint64_t seed_of(const char *data, size_t size)
{
    apr_uint64_t seed = size;
    size_t i;

    for (i = 0; i < size; i++)
        seed = seed * 131 + (unsigned char)data[i];
    return seed;
}

const char *phs_check_ip_set(apr_pool_t *p, const char *data, size_t size)
{
    apr_array_header_t *lines = fuzz_split_lines(p, data, size);
    set_model_t m;
    const char *failure;
    int i;

    memset(&m, 0, sizeof(m));
    m.set = phs_ip_set_make(p);
    m.blocks = apr_array_make(p, 64, sizeof(phs_cidr_t));
    m.generated = apr_array_make(p, 64, sizeof(v4_range_t));
    m.generated6 = apr_array_make(p, 64, sizeof(v6_range_t));
    m.probes = apr_array_make(p, 64, sizeof(phs_ip_t));
    m.rng = seed_of(data, size);
    for (i = 0; i < lines->nelts; i++) {
        char *line = APR_ARRAY_IDX(lines, i, char *);

        if ((failure = set_line(p, &m, line, i + 1)))
            return failure;
    }
    if ((failure = seal_and_compare(p, &m)))
        return failure;
    /* A file reads a NUL as a byte of a token; a list ends there. */
    if (memchr(data, '\0', size))
        return NULL;
    return file_agrees(p, &m, data, size);
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_ip_set, data, size);
}
#endif
