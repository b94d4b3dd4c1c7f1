/* Micro-benchmark of phs_ip_set: load time, lookup rate and memory from 10
 * to 1M blocks, IPv4 lists and IPv6 lists; then 1M single IPv4 hosts packed
 * into one /8 (an internal network's list), where the index slices the /8
 * rather than the whole space.  The lookup's instruction count, the figure
 * that repeats whatever else runs, comes from `bench_ip_set --count FAMILY
 * BLOCKS ROUNDS` under callgrind (make bench-ipset does both).
 * Reports only; always exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "phs_ip_set.h"

/* 64k addresses (1 MB) spread over the whole set: every lookup still goes
 * to a random place in the set's structures, but the address stream itself
 * does not flush the cache the way 16 MB of addresses would. */
#define ADDRESS_COUNT (1u << 16)
#define SECONDS_PER_SIZE 0.3
/* The rate is the best of rounds of this length: other tenants of a VM
 * steal time in bursts, and the fastest round is the least disturbed. */
#define SECONDS_PER_ROUND 0.025
#define SEED APR_UINT64_C(20240601)
/* "A few" blocks of the other family next to the ones that grow. */
#define FEW_BLOCKS 8

static apr_uint64_t rng_state = SEED;

/* Where the IPv4 blocks and addresses are drawn from: the whole space, or
 * one /8 for the clustered row. */
static apr_uint32_t v4_base = 0, v4_mask = 0xffffffff;

/* splitmix64: fast, and the same sequence on every platform. */
static apr_uint64_t rng(void)
{
    apr_uint64_t z = (rng_state += APR_UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * APR_UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * APR_UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static apr_uint32_t random_v4(void)
{
    return v4_base | ((apr_uint32_t)rng() & v4_mask);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Shaped like real lists (blocklists, cloud ranges): mostly single hosts,
 * some small networks, few large ones. */
static unsigned random_v4_prefix(void)
{
    unsigned r = (unsigned)(rng() % 100);

    if (r < 70)
        return 32;
    if (r < 90)
        return 24 + (unsigned)(rng() % 8);
    if (r < 99)
        return 17 + (unsigned)(rng() % 7);
    return 16;
}

typedef struct {
    char *text;
    apr_size_t len, capacity;
} text_t;

static void text_append(text_t *t, const char *s)
{
    apr_size_t n = strlen(s);

    if (t->len + n + 1 > t->capacity) {
        t->capacity = (t->len + n + 1) * 2;
        t->text = realloc(t->text, t->capacity);
        if (!t->text)
            abort();
    }
    memcpy(t->text + t->len, s, n + 1);
    t->len += n;
}

static void random_v6(phs_ip_t *ip)
{
    ip->hi = (APR_UINT64_C(0x2001) << 48) | (rng() >> 16);
    ip->lo = rng();
}

/* Shaped like real IPv6 lists (cloud and provider ranges, blocklists):
 * mostly /48 to /64 networks, some /32s, a few single hosts. */
static unsigned random_v6_prefix(void)
{
    unsigned r = (unsigned)(rng() % 100);

    if (r < 40)
        return 64;
    if (r < 60)
        return 56;
    if (r < 85)
        return 48;
    if (r < 95)
        return 32 + (unsigned)(rng() % 16);
    return 128;
}

/* The family whose list grows: 4 or 6; the other has FEW_BLOCKS. */
static int growing = 4;

static int block_is_v6(apr_size_t i)
{
    return growing == 6 ? i >= FEW_BLOCKS : i < FEW_BLOCKS;
}

/* Writes `count` blocks, FEW_BLOCKS of the other family first, as a list
 * (separators vary as in real files) and remembers each block in `blocks`
 * for generating hits. */
static char *make_list(apr_size_t count, phs_cidr_t *blocks)
{
    text_t t = { NULL, 0, 0 };

    for (apr_size_t i = 0; i < count; i++) {
        char token[PHS_IP_TEXT_MAX + 8], addr[PHS_IP_TEXT_MAX];
        phs_ip_t ip;
        unsigned prefix;

        if (block_is_v6(i)) {
            random_v6(&ip);
            prefix = growing == 6 ? random_v6_prefix()
                                  : 32 + (unsigned)(rng() % 97);
            blocks[i].bits = prefix;
        }
        else {
            ip.hi = 0;
            ip.lo = APR_UINT64_C(0xffff00000000) | random_v4();
            /* Single hosts when clustered: a /16 would swallow the /8. */
            prefix = v4_mask == 0xffffffff ? random_v4_prefix() : 32;
            blocks[i].bits = 96 + prefix;
        }
        blocks[i].base = ip;
        snprintf(token, sizeof(token), "%s/%u", phs_ip_format(&ip, addr),
                 prefix);
        text_append(&t, token);
        text_append(&t, i % 3 == 2 ? "\n" : ", ");
    }
    return t.text;
}

static void address_in_block(const phs_cidr_t *b, phs_ip_t *out)
{
    apr_uint64_t noise = rng();

    *out = b->base;
    if (b->bits < 64) {
        out->hi |= rng() >> b->bits;
        out->lo = noise;
    }
    else if (b->bits < 128) {
        out->lo |= noise >> (b->bits - 64);
    }
}

/* The same mix for every size: 47% inside a block of the growing family,
 * 3% inside one of the few others, 44% uniform addresses of the growing
 * family, 6% of the other. */
static void uniform_address(int family, phs_ip_t *out)
{
    if (family == 6)
        random_v6(out);
    else {
        out->hi = 0;
        out->lo = APR_UINT64_C(0xffff00000000) | random_v4();
    }
}

static void make_addresses(phs_ip_t *addrs, const phs_cidr_t *blocks,
                           apr_size_t block_count)
{
    int other = growing == 6 ? 4 : 6;

    for (apr_size_t i = 0; i < ADDRESS_COUNT; i++) {
        unsigned r = (unsigned)(rng() % 100);

        if (r < 47)
            address_in_block(&blocks[FEW_BLOCKS + rng() % (block_count
                                                           - FEW_BLOCKS)],
                             &addrs[i]);
        else if (r < 50)
            address_in_block(&blocks[rng() % FEW_BLOCKS], &addrs[i]);
        else
            uniform_address(r < 94 ? growing : other, &addrs[i]);
    }
}

typedef struct {
    double load_seconds;
    double lookups_per_second;
} result_t;

/* The set of `count` blocks, FEW_BLOCKS of them of the other family,
 * loaded from text as a directive or a file would, and the lookup
 * addresses for it. */
static phs_ip_set_t *make_set(apr_size_t count, phs_ip_t *addrs,
                              apr_pool_t *pool, double *load_seconds)
{
    phs_cidr_t *blocks = malloc(count * sizeof(*blocks));
    char *list;
    phs_ip_set_t *set;
    const char *error;
    double start;

    if (!blocks)
        abort();
    list = make_list(count, blocks);
    make_addresses(addrs, blocks, count);
    start = now();
    set = phs_ip_set_make(pool);
    error = phs_ip_set_add_list(set, list);
    phs_ip_set_seal(set);
    *load_seconds = now() - start;
    if (error)
        printf("# load error: %s\n", error);
    free(list);
    free(blocks);
    return set;
}

static result_t bench_size(apr_size_t growing_count, phs_ip_t *addrs,
                           apr_pool_t *parent)
{
    apr_size_t count = growing_count + FEW_BLOCKS;
    apr_pool_t *pool;
    phs_ip_set_t *set;
    double start, elapsed;
    apr_uint64_t hits = 0;
    result_t result;

    apr_pool_create(&pool, parent);
    set = make_set(count, addrs, pool, &result.load_seconds);
    result.lookups_per_second = 0;
    start = now();
    do {
        double round_start = now(), round_seconds;
        apr_uint64_t round_lookups = 0;

        do {
            for (apr_size_t i = 0; i < ADDRESS_COUNT; i++)
                hits += (apr_uint64_t)phs_ip_set_contains(set, &addrs[i]);
            round_lookups += ADDRESS_COUNT;
            round_seconds = now() - round_start;
        } while (round_seconds < SECONDS_PER_ROUND);
        if ((double)round_lookups / round_seconds > result.lookups_per_second)
            result.lookups_per_second = (double)round_lookups / round_seconds;
        elapsed = now() - start;
    } while (elapsed < SECONDS_PER_SIZE);

    printf("IPv%d blocks %7lu+%d  ranges %8lu  load %.3f s  lookups %6.1f "
           "M/s  %5.1f bytes/block%s\n", growing,
           (unsigned long)growing_count, FEW_BLOCKS,
           (unsigned long)phs_ip_set_range_count(set), result.load_seconds,
           result.lookups_per_second / 1e6,
           (double)phs_ip_set_memory(set) / (double)count,
           v4_mask == 0xffffffff ? "" : "  (in 10/8)");
    (void)hits;
    fflush(stdout);
    apr_pool_destroy(pool);
    return result;
}

/* --count FAMILY BLOCKS ROUNDS: the set, then ROUNDS passes over the
 * lookup addresses, for callgrind: the instructions of ROUNDS = 2 minus
 * ROUNDS = 1, over ADDRESS_COUNT, are one lookup's. */
static int count_mode(int argc, char **argv, phs_ip_t *addrs,
                      apr_pool_t *pool)
{
    apr_size_t blocks, rounds;
    volatile apr_uint64_t hits = 0;
    double load;
    phs_ip_set_t *set;

    if (argc != 5)
        return 0;
    growing = atoi(argv[2]) == 6 ? 6 : 4;
    blocks = (apr_size_t)strtoul(argv[3], NULL, 10);
    rounds = (apr_size_t)strtoul(argv[4], NULL, 10);
    set = make_set(blocks + FEW_BLOCKS, addrs, pool, &load);
    for (apr_size_t r = 0; r < rounds; r++)
        for (apr_size_t i = 0; i < ADDRESS_COUNT; i++)
            hits += (apr_uint64_t)phs_ip_set_contains(set, &addrs[i]);
    return 1;
}

int main(int argc, char **argv)
{
    static const apr_size_t sizes[] = { 10, 1000, 100000, 1000000 };
    result_t results[4], v6[4], clustered;
    apr_pool_t *pool;
    phs_ip_t *addrs = malloc(ADDRESS_COUNT * sizeof(*addrs));
    double ratio, ratio6;

    if (!addrs)
        abort();
    apr_initialize();
    apr_pool_create(&pool, NULL);
    if (argc > 1 && !strcmp(argv[1], "--count")) {
        int ok = count_mode(argc, argv, addrs, pool);

        apr_terminate();
        return ok ? 0 : 2;
    }
    printf("# seed %lu, %u lookup addresses per size, rate = best %.0f ms "
           "round of %.1f s\n", (unsigned long)SEED, ADDRESS_COUNT,
           SECONDS_PER_ROUND * 1000, SECONDS_PER_SIZE);
    for (int i = 0; i < 4; i++)
        results[i] = bench_size(sizes[i], addrs, pool);
    growing = 6;
    for (int i = 0; i < 4; i++)
        v6[i] = bench_size(sizes[i], addrs, pool);
    growing = 4;
    v4_base = (apr_uint32_t)10 << 24;
    v4_mask = 0x00ffffff;
    clustered = bench_size(sizes[3], addrs, pool);

    ratio = results[3].lookups_per_second / results[0].lookups_per_second;
    ratio6 = v6[3].lookups_per_second / v6[0].lookups_per_second;
    printf("rate(1M)/rate(10): IPv4 %.2f, IPv6 %.2f, IPv4 in 10/8 %.2f "
           "(time: a lookup at 1M blocks waits for memory; see the "
           "instruction counts)\n", ratio, ratio6,
           clustered.lookups_per_second / results[0].lookups_per_second);
    printf("load(100k): IPv4 %.3f s, IPv6 %.3f s; load(1M): IPv4 %.3f s, "
           "IPv6 %.3f s\n", results[2].load_seconds, v6[2].load_seconds,
           results[3].load_seconds, v6[3].load_seconds);
    free(addrs);
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}
