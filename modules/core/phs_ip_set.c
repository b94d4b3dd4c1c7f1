/* A set of IP blocks as sorted, disjoint ranges, found through an index.
 *
 * Three tables, one lookup scheme.  Almost every client and block is IPv4,
 * and a 32-bit range packs into one 64-bit key (first << 32 | last): 8
 * bytes a range, and sorting and searching compare single integers.  IPv6
 * blocks are nearly all /64 or shorter (a site, a provider, a cloud
 * region): those are ranges of /64 networks, two 64-bit numbers, 16 bytes;
 * the few longer ones keep their 128-bit bounds.  IPv6 blocks that cover
 * IPv4-mapped space (::/0, ::ffff:0:0/96) are folded into the IPv4 table
 * too, so an IPv4 client needs only that one.
 *
 * Each table's ranges are sorted by their first address (of 64 bits: the
 * IPv4 address, or the top half of an IPv6 one), and an index cuts the
 * table's span, its first address to its last, into 2^bits equal buckets,
 * about two ranges a bucket: a lookup is one index load and a compare with
 * a window of four ranges, whatever the size of the table, and a list
 * packed into 10/8 or 2001:db8::/32 gets as many buckets as one spread over
 * the whole space.  A crowded bucket (a dense corner of a sparse list) is
 * searched by bisection, never walked.
 *
 * Storage is malloc'd (with a pool cleanup) rather than pool memory: the
 * arrays grow by doubling while blocks are added and are copied to their
 * exact size when sealed, and a pool would keep every outgrown copy until
 * the server stops. */
#include <stdlib.h>
#include <string.h>

#include "apr_errno.h"
#include "apr_file_io.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include "phs_ip_set.h"

/* A /64-aligned IPv6 range, as the top halves of its bounds. */
typedef struct {
    apr_uint64_t first;
    apr_uint64_t last;
} wide_range_t;

/* Any other IPv6 range. */
typedef struct {
    phs_ip_t first;
    phs_ip_t last;
} v6_range_t;

/* A growable array of fixed-size elements. */
typedef struct {
    void *items;
    apr_size_t count;
    apr_size_t capacity;
    apr_size_t item_size;
} grow_array_t;

/* The buckets of a table's span: bucket b starts at first + b * 2^shift;
 * start[b] is the number of ranges whose first address is below it, so the
 * range before start[b] may reach into bucket b.  Addresses outside the
 * span are in no range. */
typedef struct {
    apr_uint64_t first;
    apr_uint64_t extent;        /* last - first */
    unsigned shift;
    unsigned bits;
    apr_uint32_t *start;        /* 2^bits + 1 entries, or NULL: one window */
} index_t;

/* Sorted, disjoint ranges; `sealed` of them, then WINDOW copies of the last
 * one so that a window search needs no bounds check (a copy is below the
 * target exactly when the last range is, and names the same range). */
typedef struct {
    grow_array_t ranges;
    apr_size_t sealed;
    index_t index;
} table_t;

struct phs_ip_set_t {
    apr_pool_t *pool;
    apr_size_t blocks;
    table_t v4;                 /* apr_uint64_t first << 32 | last */
    table_t wide;               /* wide_range_t */
    table_t v6;                 /* v6_range_t */
};

/* About RANGES_PER_BUCKET ranges a bucket, so that nearly every bucket
 * fits the fixed-size window search; measured, even at ten blocks the
 * index beats a plain bisection. */
#define RANGES_PER_BUCKET 2
#define WINDOW 4
#define INDEX_MAX_BITS 20

#define V4_MAPPED_FIRST APR_UINT64_C(0x0000ffff00000000)
#define V4_MAPPED_LAST  APR_UINT64_C(0x0000ffffffffffff)

static void out_of_memory(apr_pool_t *pool)
{
    apr_abortfunc_t abort_fn = apr_pool_abort_get(pool);

    if (abort_fn)
        abort_fn(APR_ENOMEM);
    abort();
}

static void grow_array_resize(grow_array_t *a, apr_size_t capacity,
                              apr_pool_t *pool)
{
    void *items = realloc(a->items, (capacity ? capacity : 1) * a->item_size);

    if (!items)
        out_of_memory(pool);
    a->items = items;
    a->capacity = capacity;
}

static void *grow_array_push(grow_array_t *a, apr_pool_t *pool)
{
    if (a->count == a->capacity)
        grow_array_resize(a, a->capacity ? a->capacity * 2 : 64, pool);
    return (char *)a->items + a->item_size * a->count++;
}

/* The first `keep` items in a fresh block of `capacity`: realloc would
 * shrink in place and leave the doubled capacity's pages behind them. */
static void grow_array_fit(grow_array_t *a, apr_size_t keep,
                           apr_size_t capacity, apr_pool_t *pool)
{
    void *items = malloc((capacity ? capacity : 1) * a->item_size);

    if (!items)
        out_of_memory(pool);
    if (keep)
        memcpy(items, a->items, keep * a->item_size);
    free(a->items);
    a->items = items;
    a->count = keep;
    a->capacity = capacity;
}

static void table_free(table_t *t)
{
    free(t->ranges.items);
    free(t->index.start);
    t->ranges.items = NULL;
    t->index.start = NULL;
}

static apr_status_t free_storage(void *data)
{
    phs_ip_set_t *set = data;

    table_free(&set->v4);
    table_free(&set->wide);
    table_free(&set->v6);
    return APR_SUCCESS;
}

phs_ip_set_t *phs_ip_set_make(apr_pool_t *p)
{
    phs_ip_set_t *set = apr_pcalloc(p, sizeof(*set));

    set->pool = p;
    set->v4.ranges.item_size = sizeof(apr_uint64_t);
    set->wide.ranges.item_size = sizeof(wide_range_t);
    set->v6.ranges.item_size = sizeof(v6_range_t);
    apr_pool_cleanup_register(p, set, free_storage, apr_pool_cleanup_null);
    return set;
}

static int ip_less(const phs_ip_t *a, const phs_ip_t *b)
{
    return a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo);
}

/* The first and last address of a block.  Host bits in the base are
 * ignored, whoever built the block. */
static void block_bounds(const phs_cidr_t *block, phs_ip_t *first,
                         phs_ip_t *last)
{
    apr_uint64_t all = ~APR_UINT64_C(0);
    unsigned bits = block->bits > 128 ? 128 : block->bits;
    apr_uint64_t host_hi = bits >= 64 ? 0 : all >> bits;
    apr_uint64_t host_lo = bits >= 128 ? 0 : bits <= 64 ? all
                                                        : all >> (bits - 64);

    first->hi = block->base.hi & ~host_hi;
    first->lo = block->base.lo & ~host_lo;
    last->hi = block->base.hi | host_hi;
    last->lo = block->base.lo | host_lo;
}

static void add_v4_range(phs_ip_set_t *set, apr_uint32_t first,
                         apr_uint32_t last)
{
    apr_uint64_t *key = grow_array_push(&set->v4.ranges, set->pool);

    *key = (apr_uint64_t)first << 32 | last;
}

void phs_ip_set_add(phs_ip_set_t *set, const phs_cidr_t *block)
{
    static const phs_ip_t mapped_first = { 0, V4_MAPPED_FIRST };
    static const phs_ip_t mapped_last = { 0, V4_MAPPED_LAST };
    phs_ip_t first, last;

    block_bounds(block, &first, &last);
    set->blocks++;
    if (block->bits >= 96 && phs_ip_is_v4(&first)) {
        add_v4_range(set, (apr_uint32_t)first.lo, (apr_uint32_t)last.lo);
        return;
    }
    if (block->bits <= 64) {
        wide_range_t *range = grow_array_push(&set->wide.ranges, set->pool);

        range->first = first.hi;
        range->last = last.hi;
    }
    else {
        v6_range_t *range = grow_array_push(&set->v6.ranges, set->pool);

        range->first = first;
        range->last = last;
    }
    /* A CIDR block shorter than /96 either holds all of the mapped space or
     * none of it. */
    if (!ip_less(&mapped_first, &first) && !ip_less(&last, &mapped_last))
        add_v4_range(set, 0, 0xffffffff);
}

/* Commas and the C locale's white space, without a locale lookup a byte
 * (the list reader's cost on a long list). */
static int is_separator(char c)
{
    return c == ',' || c == ' ' || (c >= '\t' && c <= '\r');
}

/* The token loop shared by lists and files: tokens are separated by commas
 * and whitespace; empty items are skipped.  Returns the first error. */
static const char *add_tokens(phs_ip_set_t *set, const char *text,
                              apr_size_t len)
{
    apr_size_t pos = 0;

    while (pos < len) {
        apr_size_t start;
        phs_cidr_t block;
        const char *error;

        while (pos < len && is_separator(text[pos]))
            pos++;
        start = pos;
        while (pos < len && !is_separator(text[pos]))
            pos++;
        if (pos == start)
            break;
        error = phs_cidr_parse_len(set->pool, text + start, pos - start,
                                   &block);
        if (error)
            return error;
        phs_ip_set_add(set, &block);
    }
    return NULL;
}

/* Adding is all-or-nothing: on error the arrays go back to their lengths
 * before the call (they are append-only, so this undoes exactly it). */
typedef struct {
    apr_size_t blocks, v4_count, wide_count, v6_count;
} set_mark_t;

static set_mark_t set_mark(const phs_ip_set_t *set)
{
    set_mark_t mark = { set->blocks, set->v4.ranges.count,
                        set->wide.ranges.count, set->v6.ranges.count };
    return mark;
}

static void set_rollback(phs_ip_set_t *set, set_mark_t mark)
{
    set->blocks = mark.blocks;
    set->v4.ranges.count = mark.v4_count;
    set->wide.ranges.count = mark.wide_count;
    set->v6.ranges.count = mark.v6_count;
}

const char *phs_ip_set_add_list(phs_ip_set_t *set, const char *list)
{
    set_mark_t mark = set_mark(set);
    const char *error = add_tokens(set, list, strlen(list));

    if (error)
        set_rollback(set, mark);
    return error;
}

/* Hands each complete line of `buf` (comment removed) to add_tokens; returns
 * the bytes consumed, leaving a trailing partial line unless at_eof. */
static apr_size_t add_lines(phs_ip_set_t *set, const char *buf,
                            apr_size_t len, int at_eof, unsigned *line_no,
                            const char **error)
{
    apr_size_t pos = 0;

    while (pos < len) {
        const char *newline = memchr(buf + pos, '\n', len - pos);
        apr_size_t end = newline ? (apr_size_t)(newline - buf) : len;
        const char *comment;

        if (!newline && !at_eof)
            break;
        ++*line_no;
        comment = memchr(buf + pos, '#', end - pos);
        *error = add_tokens(set, buf + pos,
                            (comment ? (apr_size_t)(comment - buf) : end) - pos);
        pos = newline ? end + 1 : end;
        if (*error)
            break;
    }
    return pos;
}

static const char *file_error(apr_pool_t *p, const char *path,
                              const char *action, apr_status_t status)
{
    char reason[256];

    return apr_psprintf(p, "%s: cannot %s: %s", path, action,
                        apr_strerror(status, reason, sizeof(reason)));
}

/* Reads in chunks and carries a partial last line over to the next read,
 * growing the buffer only when one line is longer than it. */
static const char *add_file_contents(phs_ip_set_t *set, apr_file_t *file,
                                     const char *path, apr_pool_t *ptemp)
{
    apr_size_t capacity = 64 * 1024, held = 0;
    char *buf = apr_palloc(ptemp, capacity);
    unsigned line_no = 0;
    int at_eof = 0;

    while (!at_eof) {
        apr_size_t got = capacity - held, used;
        apr_status_t status = apr_file_read(file, buf + held, &got);
        const char *error = NULL;

        if (status == APR_EOF)
            at_eof = 1;
        else if (status != APR_SUCCESS)
            return file_error(set->pool, path, "read", status);
        held += got;
        used = add_lines(set, buf, held, at_eof, &line_no, &error);
        if (error)
            return apr_psprintf(set->pool, "%s:%u: %s", path, line_no, error);
        memmove(buf, buf + used, held - used);
        held -= used;
        if (held == capacity) {
            char *bigger = apr_palloc(ptemp, capacity * 2);
            memcpy(bigger, buf, held);
            buf = bigger;
            capacity *= 2;
        }
    }
    return NULL;
}

const char *phs_ip_set_add_file(phs_ip_set_t *set, const char *path,
                                apr_pool_t *ptemp)
{
    set_mark_t mark = set_mark(set);
    apr_file_t *file;
    apr_status_t status;
    const char *error;

    status = apr_file_open(&file, path, APR_FOPEN_READ | APR_FOPEN_BUFFERED,
                           APR_FPROT_OS_DEFAULT, ptemp);
    if (status != APR_SUCCESS)
        return file_error(set->pool, path, "open", status);
    error = add_file_contents(set, file, path, ptemp);
    apr_file_close(file);
    if (error)
        set_rollback(set, mark);
    return error;
}


static apr_uint64_t key_at(const char *items, apr_size_t i, apr_size_t size)
{
    apr_uint64_t key;

    memcpy(&key, items + i * size, sizeof(key));
    return key;
}

/* Sorts items by the 64-bit number they start with (an IPv4 key, a /64
 * range's first network): a radix sort, a byte a pass, that skips the
 * bytes every item shares; a million items sort in a tenth of qsort's
 * time, which calls a comparison function 20 million times. */
static void sort_by_first_u64(void *items, apr_size_t count,
                              apr_size_t size, apr_pool_t *pool)
{
    char *from = items, *to;
    apr_uint64_t all_or = 0, all_and = ~APR_UINT64_C(0);

    if (count < 2)
        return;
    for (apr_size_t i = 0; i < count; i++) {
        all_or |= key_at(from, i, size);
        all_and &= key_at(from, i, size);
    }
    if (!(to = malloc(count * size)))
        out_of_memory(pool);
    for (unsigned shift = 0; shift < 64; shift += 8) {
        apr_size_t at[256] = { 0 }, sum = 0;

        if (!(((all_or ^ all_and) >> shift) & 0xff))
            continue;
        for (apr_size_t i = 0; i < count; i++)
            at[(key_at(from, i, size) >> shift) & 0xff]++;
        for (int b = 0; b < 256; b++) {
            apr_size_t n = at[b];

            at[b] = sum;
            sum += n;
        }
        for (apr_size_t i = 0; i < count; i++)
            memcpy(to + at[(key_at(from, i, size) >> shift) & 0xff]++ * size,
                   from + i * size, size);
        { char *swap = from; from = to; to = swap; }
    }
    if (from != items) {
        memcpy(items, from, count * size);
        free(from);
    }
    else
        free(to);
}

static int compare_v6(const void *a, const void *b)
{
    const v6_range_t *x = a, *y = b;

    if (ip_less(&x->first, &y->first))
        return -1;
    if (ip_less(&y->first, &x->first))
        return 1;
    return ip_less(&x->last, &y->last) ? -1 : ip_less(&y->last, &x->last);
}

/* Each table's ranges, sorted, merged into disjoint ones in place;
 * adjacent ranges merge too (10.0.0.0/25 + 10.0.0.128/25 is one range).
 * Each returns the new count. */
static apr_size_t merge_v4(apr_uint64_t *keys, apr_size_t count)
{
    apr_size_t out = 0;

    for (apr_size_t i = 0; i < count; i++) {
        apr_uint64_t first = keys[i] >> 32, last = keys[i] & 0xffffffff;

        if (out > 0 && first <= (keys[out - 1] & 0xffffffff) + 1) {
            if (last > (keys[out - 1] & 0xffffffff))
                keys[out - 1] = (keys[out - 1] & ~APR_UINT64_C(0xffffffff)) | last;
        }
        else {
            keys[out++] = keys[i];
        }
    }
    return out;
}

static apr_size_t merge_wide(wide_range_t *ranges, apr_size_t count)
{
    apr_size_t out = 0;

    for (apr_size_t i = 0; i < count; i++) {
        wide_range_t *prev = out > 0 ? &ranges[out - 1] : NULL;

        if (prev && (prev->last == ~APR_UINT64_C(0)
                     || ranges[i].first <= prev->last + 1)) {
            if (ranges[i].last > prev->last)
                prev->last = ranges[i].last;
        }
        else {
            ranges[out++] = ranges[i];
        }
    }
    return out;
}

/* 1 when b starts right after a ends or earlier. */
static int v6_touches(const phs_ip_t *a_last, const phs_ip_t *b_first)
{
    phs_ip_t next = *a_last;

    if (++next.lo == 0 && ++next.hi == 0)
        return 1;               /* a ends at the top of the space */
    return !ip_less(&next, b_first);
}

static apr_size_t merge_v6(v6_range_t *ranges, apr_size_t count)
{
    apr_size_t out = 0;

    for (apr_size_t i = 0; i < count; i++) {
        if (out > 0 && v6_touches(&ranges[out - 1].last, &ranges[i].first)) {
            if (ip_less(&ranges[out - 1].last, &ranges[i].last))
                ranges[out - 1].last = ranges[i].last;
        }
        else {
            ranges[out++] = ranges[i];
        }
    }
    return out;
}

/* The first addresses the index cuts: 64-bit numbers for every table. */
static apr_uint64_t v4_first(const void *ranges, apr_size_t i)
{
    return ((const apr_uint64_t *)ranges)[i] >> 32;
}

static apr_uint64_t v4_last(const void *ranges, apr_size_t i)
{
    return ((const apr_uint64_t *)ranges)[i] & 0xffffffff;
}

static apr_uint64_t wide_first(const void *ranges, apr_size_t i)
{
    return ((const wide_range_t *)ranges)[i].first;
}

static apr_uint64_t wide_last(const void *ranges, apr_size_t i)
{
    return ((const wide_range_t *)ranges)[i].last;
}

static apr_uint64_t v6_first(const void *ranges, apr_size_t i)
{
    return ((const v6_range_t *)ranges)[i].first.hi;
}

static apr_uint64_t v6_last(const void *ranges, apr_size_t i)
{
    return ((const v6_range_t *)ranges)[i].last.hi;
}

typedef apr_uint64_t bound_fn(const void *ranges, apr_size_t i);

static unsigned index_bits_for(apr_size_t ranges)
{
    unsigned bits = 0;

    if (ranges <= WINDOW)
        return 0;
    while (bits < INDEX_MAX_BITS
           && ((apr_size_t)1 << bits) * RANGES_PER_BUCKET < ranges)
        bits++;
    return bits;
}

/* The index of `count` sorted, disjoint ranges (at least one). */
static void build_index(table_t *t, bound_fn *first_of, bound_fn *last_of,
                        apr_pool_t *pool)
{
    index_t *x = &t->index;
    const void *ranges = t->ranges.items;
    apr_size_t count = t->sealed, buckets, k = 0;

    free(x->start);
    x->start = NULL;
    x->bits = index_bits_for(count);
    if (x->bits == 0)
        return;
    buckets = (apr_size_t)1 << x->bits;
    x->first = first_of(ranges, 0);
    x->extent = last_of(ranges, count - 1) - x->first;
    x->shift = 0;
    while (x->shift < 64 && (x->extent >> x->shift) >= buckets)
        x->shift++;
    x->start = malloc((buckets + 1) * sizeof(*x->start));
    if (!x->start)
        out_of_memory(pool);
    for (apr_size_t b = 0; b <= buckets; b++) {
        /* Buckets past the span's end start beyond every range.  Compared
         * shifted down: b << shift wraps past 2^64 when the span is 2^63 or
         * more (2001:db8:: to fd00::), which emptied the last bucket. */
        apr_uint64_t from = b > (x->extent >> x->shift)
                            ? ~APR_UINT64_C(0)
                            : x->first + ((apr_uint64_t)b << x->shift);

        while (k < count && first_of(ranges, k) < from)
            k++;
        x->start[b] = (apr_uint32_t)k;
    }
}

/* Sorts (by qsort with `compare`, else by the first 64 bits), merges,
 * fits the array to the ranges plus the window's padding, and indexes. */
static void seal_table(table_t *t, int (*compare)(const void *, const void *),
                       apr_size_t (*merge)(void *, apr_size_t),
                       bound_fn *first_of, bound_fn *last_of,
                       apr_pool_t *pool)
{
    grow_array_t *a = &t->ranges;
    char *items;

    if (compare && a->count > 1)
        qsort(a->items, a->count, a->item_size, compare);
    else
        sort_by_first_u64(a->items, a->count, a->item_size, pool);
    t->sealed = merge(a->items, a->count);
    if (t->sealed == 0) {
        a->count = 0;
        return;
    }
    grow_array_fit(a, t->sealed, t->sealed + WINDOW, pool);
    items = a->items;
    for (int i = 0; i < WINDOW; i++)
        memcpy(items + (a->count++) * a->item_size,
               items + (t->sealed - 1) * a->item_size, a->item_size);
    build_index(t, first_of, last_of, pool);
}

static apr_size_t merge_v4_items(void *items, apr_size_t count)
{
    return merge_v4(items, count);
}

static apr_size_t merge_wide_items(void *items, apr_size_t count)
{
    return merge_wide(items, count);
}

static apr_size_t merge_v6_items(void *items, apr_size_t count)
{
    return merge_v6(items, count);
}

void phs_ip_set_seal(phs_ip_set_t *set)
{
    seal_table(&set->v4, NULL, merge_v4_items, v4_first, v4_last, set->pool);
    seal_table(&set->wide, NULL, merge_wide_items, wide_first, wide_last,
               set->pool);
    seal_table(&set->v6, compare_v6, merge_v6_items, v6_first, v6_last,
               set->pool);
}

/* The ranges of a table to search for `at` (a 64-bit first address):
 * [*lo, *hi) of the bucket, or 0 when `at` is outside the span. */
static int bucket_of(const table_t *t, apr_uint64_t at, apr_size_t *lo,
                     apr_size_t *hi)
{
    const index_t *x = &t->index;
    apr_uint64_t offset;
    apr_size_t b;

    if (!x->start) {
        *lo = 0;
        *hi = t->sealed;
        return 1;
    }
    offset = at - x->first;
    if (at < x->first || offset > x->extent)
        return 0;
    b = (apr_size_t)(offset >> x->shift);
    *lo = x->start[b];
    *hi = x->start[b + 1];
    return 1;
}

/* Number of keys <= target in a sorted array, for buckets too crowded for
 * the window.  Written for a conditional move rather than a branch, so that
 * lookups of unrelated addresses can overlap instead of stalling on
 * mispredictions. */
static apr_size_t count_keys_le(const apr_uint64_t *keys, apr_size_t n,
                                apr_uint64_t target)
{
    const apr_uint64_t *base = keys;

    if (n == 0)
        return 0;
    while (n > 1) {
        apr_size_t half = n / 2;
        base = base[half] <= target ? base + half : base;
        n -= half;
    }
    return (apr_size_t)(base - keys) + (*base <= target);
}

static int v4_contains(const table_t *t, apr_uint32_t v4)
{
    const apr_uint64_t *keys = t->ranges.items;
    apr_uint64_t target = (apr_uint64_t)v4 << 32 | 0xffffffff;
    apr_size_t lo, hi, below;

    if (!t->sealed || !bucket_of(t, v4, &lo, &hi))
        return 0;
    /* Keys from hi on start in a later bucket, above target, so counting
     * over a fixed window that runs past hi gives the same answer (the
     * padding makes the window safe at the end of the array).  Independent
     * loads and compares, no data-dependent branch. */
    if (hi - lo <= WINDOW)
        below = lo + (keys[lo] <= target) + (keys[lo + 1] <= target)
                + (keys[lo + 2] <= target) + (keys[lo + 3] <= target);
    else
        below = lo + count_keys_le(keys + lo, hi - lo, target);
    return below > 0 && (apr_uint32_t)keys[below - 1] >= v4;
}

static int wide_contains(const table_t *t, apr_uint64_t net)
{
    const wide_range_t *r = t->ranges.items;
    apr_size_t lo, hi, below;

    if (!t->sealed || !bucket_of(t, net, &lo, &hi))
        return 0;
    if (hi - lo <= WINDOW)
        below = lo + (r[lo].first <= net) + (r[lo + 1].first <= net)
                + (r[lo + 2].first <= net) + (r[lo + 3].first <= net);
    else {
        apr_size_t n = hi - lo;

        for (below = lo; n > 1; n -= n / 2)
            below = r[below + n / 2].first <= net ? below + n / 2 : below;
        below += r[below].first <= net;
    }
    return below > 0 && r[below - 1].last >= net;
}

static int v6_contains(const table_t *t, const phs_ip_t *ip)
{
    const v6_range_t *r = t->ranges.items;
    apr_size_t lo, hi, below, n;

    if (!t->sealed || !bucket_of(t, ip->hi, &lo, &hi))
        return 0;
    for (below = lo, n = hi - lo; n > 1; n -= n / 2)
        below = !ip_less(ip, &r[below + n / 2].first) ? below + n / 2 : below;
    below += hi > lo && !ip_less(ip, &r[below].first);
    return below > 0 && !ip_less(&r[below - 1].last, ip);
}

int phs_ip_set_contains(const phs_ip_set_t *set, const phs_ip_t *ip)
{
    if (phs_ip_is_v4(ip))
        return v4_contains(&set->v4, (apr_uint32_t)ip->lo);
    return wide_contains(&set->wide, ip->hi) || v6_contains(&set->v6, ip);
}

/* The sweep of phs_ip_set_covers: `next` is the first address not yet
 * covered; 0 once every address is. */
typedef struct {
    phs_ip_t next;
    int done;
} sweep_t;

/* Takes the range [first, last] (the ranges come in order of `first`);
 * 0 when it leaves a gap before it that is not IPv4-mapped space, which
 * this sweep does not ask about. */
static int sweep_take(sweep_t *s, const phs_ip_t *first, const phs_ip_t *last)
{
    static const phs_ip_t mapped_first = { 0, V4_MAPPED_FIRST };
    static const phs_ip_t mapped_last = { 0, V4_MAPPED_LAST };

    if (s->done)
        return 1;
    if (!ip_less(&s->next, &mapped_first) && !ip_less(&mapped_last, &s->next)) {
        s->next = mapped_last;
        s->next.lo++;
    }
    if (ip_less(first, &s->next) || (first->hi == s->next.hi
                                     && first->lo == s->next.lo)) {
        if (!ip_less(last, &s->next)) {
            s->next = *last;
            if (++s->next.lo == 0 && ++s->next.hi == 0)
                s->done = 1;
        }
        return 1;
    }
    return 0;
}

/* Every IPv6 address outside ::ffff:0:0/96: the wide and the long ranges
 * taken together, in order, with no gap. */
static int covers_v6(const phs_ip_set_t *set)
{
    const wide_range_t *wide = set->wide.ranges.items;
    const v6_range_t *v6 = set->v6.ranges.items;
    apr_size_t w = 0, n = 0;
    sweep_t s = { { 0, 0 }, 0 };

    while (!s.done && (w < set->wide.sealed || n < set->v6.sealed)) {
        phs_ip_t first, last;

        if (n == set->v6.sealed
            || (w < set->wide.sealed && wide[w].first <= v6[n].first.hi)) {
            first.hi = wide[w].first;
            first.lo = 0;
            last.hi = wide[w].last;
            last.lo = ~APR_UINT64_C(0);
            w++;
        }
        else {
            first = v6[n].first;
            last = v6[n].last;
            n++;
        }
        if (!sweep_take(&s, &first, &last))
            return 0;
    }
    return s.done;
}

unsigned phs_ip_set_covers(const phs_ip_set_t *set)
{
    const apr_uint64_t *v4 = set->v4.ranges.items;
    unsigned covers = 0;

    if (set->v4.sealed == 1 && v4[0] == APR_UINT64_C(0xffffffff))
        covers |= PHS_IP_SET_ALL_IPV4;
    if (covers_v6(set))
        covers |= PHS_IP_SET_ALL_IPV6;
    return covers;
}

apr_size_t phs_ip_set_block_count(const phs_ip_set_t *set)
{
    return set->blocks;
}

apr_size_t phs_ip_set_range_count(const phs_ip_set_t *set)
{
    return set->v4.sealed + set->wide.sealed + set->v6.sealed;
}

static apr_size_t table_memory(const table_t *t)
{
    apr_size_t buckets = t->index.start ? ((apr_size_t)1 << t->index.bits) + 1
                                        : 0;

    return t->ranges.capacity * t->ranges.item_size
           + buckets * sizeof(*t->index.start);
}

apr_size_t phs_ip_set_memory(const phs_ip_set_t *set)
{
    return sizeof(*set) + table_memory(&set->v4) + table_memory(&set->wide)
           + table_memory(&set->v6);
}
