/* A set of IP blocks as sorted, disjoint ranges.
 *
 * IPv4 and IPv6 are kept apart because almost every client and almost every
 * block is IPv4, and a 32-bit range packs into one 64-bit key
 * (first << 32 | last): 8 bytes per range, and sorting and searching compare
 * single integers.  Ranges are disjoint after sealing, so sorting by that key
 * sorts by first address, and "the last range whose first address is <= ip"
 * is "the last key <= ip << 32 | 0xffffffff".
 *
 * IPv4 lookups use one of two structures, chosen at seal time by size.
 * Both cut the set's span (its first address to its last) into equal
 * slices, so that a list packed into one private range gets as many
 * slices as one spread over the whole space:
 *  - the sorted keys with an index of slices, sized to the set: a lookup
 *    is one index load and a compare with a few keys;
 *  - from LINES_MIN_RANGES ranges on, "lines": 64-byte records, one per
 *    slice (2^16 to 2^20 slices, by size), addressed directly by the
 *    address's slice and holding the range boundaries in it.  A lookup is
 *    one cache line load and a branch-free compare of its lanes.  With a
 *    million blocks the keys and their index no longer fit in cache and a
 *    lookup would wait for two dependent memory loads; a line costs one,
 *    which keeps lookups at 1M blocks near the rate at 10.
 * IPv6 sets are small in practice and use a binary search over the ranges,
 * logarithmic, never linear.
 *
 * IPv6 blocks that cover IPv4-mapped space (::/0, ::ffff:0:0/96, ...) are
 * also folded into the IPv4 ranges, so an IPv4 client needs only the IPv4
 * structures.
 *
 * Storage is malloc'd (with a pool cleanup) rather than pool memory: the
 * arrays grow by doubling and shrink after sealing, and a pool would keep
 * every outgrown copy until the server stops. */
#include <stdlib.h>
#include <string.h>

#include "apr_errno.h"
#include "apr_file_io.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include "phs_ip_set.h"

typedef struct {
    phs_ip_t first;
    phs_ip_t last;
} v6_range_t;

/* The lines.  The set's span is cut into 2^line_bits slices of equal size
 * (at most 2^16 addresses), and slice i starts with line i.  A line is 32
 * lanes of 16 bits.
 *
 * A boundary is an address where membership flips: the first address of a
 * range, and the one after its last.  Membership of x is the membership at
 * the start of x's slice XOR the parity of the slice's boundaries <= x.
 * Offsets within a slice fit 16 bits; a line stores each boundary b of its
 * slice as offset(b) - 1 (a boundary on the slice's first address goes into
 * the start state instead), so "b <= x" reads "lane < offset(x)".
 * Unused lanes hold 0xffff.  Since a line has an even number of boundary
 * lanes, the parity of the lanes < x equals the parity of the lanes >= x,
 * and 0xffff is >= every offset: the lookup counts lanes >= x over all of
 * them, with no need to know how many are in use.
 *
 * A slice with more than LINE_BOUNDARIES boundaries continues in further
 * lines stored after the direct ones, one after the other; LINE_LAST_X says
 * up to which offset a line answers.  The direct line's LINE_NEXT says
 * where its continuations start; the first continuation's LINE_NEXT holds
 * how many there are (the next one is always the following line), so a
 * lookup in a crowded slice (a dense part of a sparse list) is a binary
 * search on their LINE_LAST_X, never a walk. */
enum {
    LINE_LANES = 32,
    LINE_STATE = 0,         /* membership before the line's boundaries */
    LINE_LAST_X = 1,        /* offsets above this: ask the next line */
    LINE_NEXT = 2,          /* lanes 2-3: first continuation, or count */
    LINE_FIRST_BOUNDARY = 4,
    LINE_BOUNDARIES = LINE_LANES - LINE_FIRST_BOUNDARY
};

/* The slices of the IPv4 addresses a set spans, from the first address of
 * its first range to the last of its last: a list packed into 10/8 gets as
 * many slices as one spread over the whole space, not 1/256 of them.  Slice
 * i starts at first + i * 2^shift.  Addresses outside the span are in no
 * range. */
typedef struct {
    apr_uint32_t first;
    apr_uint32_t extent;    /* last - first */
    unsigned shift;
    apr_uint64_t scale;     /* 2^(32 - shift), see span_slice() */
} span_t;

typedef struct {
    apr_uint16_t *lanes;    /* line i at lanes + i * LINE_LANES, aligned */
    void *allocation;
    apr_size_t count;       /* direct lines plus continuations */
    unsigned bits;          /* 2^bits slices (direct lines) */
    span_t span;
    apr_uint32_t offset_mask;   /* 2^span.shift - 1 */
} line_table_t;

/* A growable array of fixed-size elements. */
typedef struct {
    void *items;
    apr_size_t count;
    apr_size_t capacity;
    apr_size_t item_size;
} grow_array_t;

struct phs_ip_set_t {
    apr_pool_t *pool;
    apr_size_t blocks;
    grow_array_t v4;            /* apr_uint64_t first << 32 | last */
    grow_array_t v6;            /* v6_range_t */
    /* The sealed state: the first v4_sealed / v6_sealed items are sorted and
     * disjoint; items after them were added since and wait for seal(). */
    apr_size_t v4_sealed;
    apr_size_t v6_sealed;
    apr_uint32_t *v4_index;     /* 2^index_bits + 1 entries, or NULL */
    unsigned index_bits;
    span_t index_span;          /* 2^index_bits buckets */
    line_table_t lines;         /* built instead of v4_index for big sets */
};

/* The IPv4 key index: about INDEX_RANGES_PER_BUCKET ranges per bucket, so
 * that nearly every bucket fits the fixed-size window search (INDEX_WINDOW
 * keys).  Measured: even at ten blocks the index beats a binary search, so
 * it is built for every set larger than one window. */
#define INDEX_RANGES_PER_BUCKET 2
#define INDEX_WINDOW 4
#define INDEX_MAX_BITS 20
/* Lines pay once the keys and index outgrow the L2 cache; the table is at
 * least 2^16 lines (4 MB, 16 bytes per range at the threshold).  Slices are
 * sized for about LINE_RANGES ranges (two boundaries each) in the 28
 * boundary lanes: a denser table would need fewer continuation lines but
 * take more cache, and measured, the smaller table wins once anything else
 * competes for the cache (at a million blocks: 2^16 slices, 5.3 MB). */
#define LINES_MIN_RANGES 262144
#define LINE_RANGES 12
#define LINE_MIN_BITS 16
#define LINE_MAX_BITS 20

#define V4_MAPPED_FIRST APR_UINT64_C(0x0000ffff00000000)
#define V4_MAPPED_LAST  APR_UINT64_C(0x0000ffffffffffff)

/* The span of the sealed keys (at least one) cut into `slices` (a power of
 * two) slices of 2^shift addresses, shift as small as covers the span. */
static span_t span_of(const apr_uint64_t *keys, apr_size_t count,
                      apr_uint64_t slices)
{
    span_t span;

    span.first = (apr_uint32_t)(keys[0] >> 32);
    span.extent = (apr_uint32_t)keys[count - 1] - span.first;
    span.shift = 0;
    while ((apr_uint64_t)span.extent >> span.shift >= slices)
        span.shift++;
    span.scale = APR_UINT64_C(1) << (32 - span.shift);
    return span;
}

static apr_uint64_t span_slice_start(const span_t *span, apr_uint64_t slice)
{
    return span->first + (slice << span->shift);
}

/* v4's offset from the start of the span, and 0 when v4 is outside it
 * (below the first address the subtraction wraps above the extent). */
static int span_offset(const span_t *span, apr_uint32_t v4,
                       apr_uint32_t *offset)
{
    *offset = v4 - span->first;
    return *offset <= span->extent;
}

/* The slice of an offset, as a multiplication: a variable shift count
 * loaded from memory made one compiler write %cl partially and chain every
 * lookup to the previous one. */
static apr_size_t span_slice(const span_t *span, apr_uint32_t offset)
{
    return (apr_size_t)(((apr_uint64_t)offset * span->scale) >> 32);
}

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

static apr_status_t free_storage(void *data)
{
    phs_ip_set_t *set = data;

    free(set->v4.items);
    free(set->v6.items);
    free(set->v4_index);
    free(set->lines.allocation);
    set->v4.items = set->v6.items = NULL;
    set->v4_index = NULL;
    set->lines.allocation = set->lines.lanes = NULL;
    return APR_SUCCESS;
}

phs_ip_set_t *phs_ip_set_make(apr_pool_t *p)
{
    phs_ip_set_t *set = apr_pcalloc(p, sizeof(*set));

    set->pool = p;
    set->v4.item_size = sizeof(apr_uint64_t);
    set->v6.item_size = sizeof(v6_range_t);
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
    apr_uint64_t *key = grow_array_push(&set->v4, set->pool);

    *key = (apr_uint64_t)first << 32 | last;
}

void phs_ip_set_add(phs_ip_set_t *set, const phs_cidr_t *block)
{
    static const phs_ip_t mapped_first = { 0, V4_MAPPED_FIRST };
    static const phs_ip_t mapped_last = { 0, V4_MAPPED_LAST };
    phs_ip_t first, last;
    v6_range_t *range;

    block_bounds(block, &first, &last);
    set->blocks++;
    if (block->bits >= 96 && phs_ip_is_v4(&first)) {
        add_v4_range(set, (apr_uint32_t)first.lo, (apr_uint32_t)last.lo);
        return;
    }
    range = grow_array_push(&set->v6, set->pool);
    range->first = first;
    range->last = last;
    /* A CIDR block shorter than /96 either holds all of the mapped space or
     * none of it. */
    if (!ip_less(&mapped_first, &first) && !ip_less(&last, &mapped_last))
        add_v4_range(set, 0, 0xffffffff);
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

        while (pos < len && (text[pos] == ',' || apr_isspace(text[pos])))
            pos++;
        start = pos;
        while (pos < len && text[pos] != ',' && !apr_isspace(text[pos]))
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
    apr_size_t blocks, v4_count, v6_count;
} set_mark_t;

static set_mark_t set_mark(const phs_ip_set_t *set)
{
    set_mark_t mark = { set->blocks, set->v4.count, set->v6.count };
    return mark;
}

static void set_rollback(phs_ip_set_t *set, set_mark_t mark)
{
    set->blocks = mark.blocks;
    set->v4.count = mark.v4_count;
    set->v6.count = mark.v6_count;
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

static int compare_u64(const void *a, const void *b)
{
    apr_uint64_t x = *(const apr_uint64_t *)a, y = *(const apr_uint64_t *)b;

    return (x > y) - (x < y);
}

static int compare_v6_range(const void *a, const void *b)
{
    const v6_range_t *x = a, *y = b;

    if (ip_less(&x->first, &y->first))
        return -1;
    if (ip_less(&y->first, &x->first))
        return 1;
    return ip_less(&x->last, &y->last) ? -1 : ip_less(&y->last, &x->last);
}

/* Sorted keys in, disjoint ranges out (in place); adjacent ranges merge too,
 * so 10.0.0.0/25 + 10.0.0.128/25 is one range.  Returns the new count. */
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

static unsigned index_bits_for(apr_size_t ranges)
{
    unsigned bits = 0;

    if (ranges <= INDEX_WINDOW)
        return 0;
    while (bits < INDEX_MAX_BITS
           && ((apr_size_t)1 << bits) * INDEX_RANGES_PER_BUCKET < ranges)
        bits++;
    return bits;
}

/* index[b] = number of ranges whose first address is below bucket b's first
 * address; the last one of them may reach into bucket b. */
static void build_v4_index(phs_ip_set_t *set)
{
    const apr_uint64_t *keys = set->v4.items;
    apr_size_t count = set->v4_sealed, buckets, k = 0;

    free(set->v4_index);
    set->v4_index = NULL;
    set->index_bits = count >= LINES_MIN_RANGES ? 0 : index_bits_for(count);
    if (set->index_bits == 0)
        return;
    buckets = (apr_size_t)1 << set->index_bits;
    set->index_span = span_of(keys, count, buckets);
    set->v4_index = malloc((buckets + 1) * sizeof(*set->v4_index));
    if (!set->v4_index)
        out_of_memory(set->pool);
    for (apr_size_t b = 0; b <= buckets; b++) {
        apr_uint64_t bucket_first = span_slice_start(&set->index_span, b);
        while (k < count && (keys[k] >> 32) < bucket_first)
            k++;
        set->v4_index[b] = (apr_uint32_t)k;
    }
}

/* The boundaries of sealed ranges in ascending order (see the lines). */
typedef struct {
    const apr_uint64_t *keys;
    apr_size_t count, next_key;
    int exit_pending;           /* the end of the previous range comes next */
    apr_uint64_t exit;
} boundary_walk_t;

/* The next boundary, or past every slice when there is none (the last
 * slices of a span can reach beyond 2^32). */
static apr_uint64_t boundary_peek(const boundary_walk_t *w)
{
    if (w->exit_pending)
        return w->exit;
    return w->next_key < w->count ? w->keys[w->next_key] >> 32
                                  : ~APR_UINT64_C(0);
}

static void boundary_skip(boundary_walk_t *w)
{
    apr_uint64_t last;

    if (w->exit_pending) {
        w->exit_pending = 0;
        return;
    }
    last = w->keys[w->next_key++] & 0xffffffff;
    w->exit_pending = last != 0xffffffff;
    w->exit = last + 1;
}

static unsigned line_bits_for(apr_size_t ranges)
{
    unsigned bits = LINE_MIN_BITS;

    while (bits < LINE_MAX_BITS
           && ((apr_size_t)LINE_RANGES << bits) < ranges)
        bits++;
    return bits;
}

static apr_size_t line_next(const apr_uint16_t *line)
{
    return (apr_size_t)line[LINE_NEXT] | (apr_size_t)line[LINE_NEXT + 1] << 16;
}

static apr_uint16_t *line_start(line_table_t *lines, apr_size_t index,
                                unsigned state)
{
    apr_uint16_t *line = lines->lanes + index * LINE_LANES;

    /* LINE_LAST_X 0xffff: the last line of its slice until linked. */
    memset(line, 0xff, LINE_LANES * sizeof(*line));
    line[LINE_STATE] = (apr_uint16_t)state;
    return line;
}

static void line_link(apr_uint16_t *line, apr_uint16_t last_x,
                      apr_size_t next)
{
    line[LINE_LAST_X] = last_x;
    line[LINE_NEXT] = (apr_uint16_t)next;
    line[LINE_NEXT + 1] = (apr_uint16_t)(next >> 16);
}

/* Lines needed beyond the direct ones: a slice with n boundaries takes
 * ceil(n / LINE_BOUNDARIES) lines. */
static apr_size_t count_extra_lines(boundary_walk_t walk, const span_t *span,
                                    apr_size_t slices)
{
    apr_uint64_t slice_size = APR_UINT64_C(1) << span->shift;
    apr_uint64_t start = span->first;
    apr_size_t extra = 0;

    for (apr_size_t slice = 0; slice < slices; slice++, start += slice_size) {
        apr_size_t inside = 0;

        if (boundary_peek(&walk) == start)
            boundary_skip(&walk);
        for (; boundary_peek(&walk) < start + slice_size; boundary_skip(&walk))
            inside++;
        if (inside > LINE_BOUNDARIES)
            extra += (inside - 1) / LINE_BOUNDARIES;
    }
    return extra;
}

static void fill_lines(line_table_t *lines, boundary_walk_t walk)
{
    apr_uint64_t slice_size = APR_UINT64_C(1) << lines->span.shift;
    apr_uint64_t start = lines->span.first;
    apr_size_t slices = (apr_size_t)1 << lines->bits, next_extra = slices;
    unsigned state = 0;

    for (apr_size_t slice = 0; slice < slices; slice++, start += slice_size) {
        apr_uint16_t *line, *first_extra = NULL;
        apr_size_t extras = 0;
        unsigned used = 0;

        if (boundary_peek(&walk) == start) {
            state ^= 1;
            boundary_skip(&walk);
        }
        line = line_start(lines, slice, state);
        for (; boundary_peek(&walk) < start + slice_size; boundary_skip(&walk)) {
            apr_uint16_t lane = (apr_uint16_t)(boundary_peek(&walk) - start - 1);
            if (used == LINE_BOUNDARIES) {
                line_link(line, lane, next_extra);
                line = line_start(lines, next_extra++, state);
                if (!first_extra)
                    first_extra = line;
                extras++;
                used = 0;
            }
            line[LINE_FIRST_BOUNDARY + used++] = lane;
            state ^= 1;
        }
        if (first_extra)
            line_link(first_extra, first_extra[LINE_LAST_X], extras);
    }
}

static void build_lines(phs_ip_set_t *set)
{
    line_table_t *lines = &set->lines;
    boundary_walk_t walk = { set->v4.items, set->v4_sealed, 0, 0, 0 };
    apr_size_t bytes;

    free(lines->allocation);
    lines->allocation = lines->lanes = NULL;
    lines->count = 0;
    if (set->v4_sealed < LINES_MIN_RANGES)
        return;
    lines->bits = line_bits_for(set->v4_sealed);
    lines->span = span_of(set->v4.items, set->v4_sealed,
                          APR_UINT64_C(1) << lines->bits);
    lines->offset_mask = ((apr_uint32_t)1 << lines->span.shift) - 1;
    lines->count = ((apr_size_t)1 << lines->bits)
                   + count_extra_lines(walk, &lines->span,
                                       (apr_size_t)1 << lines->bits);
    bytes = lines->count * LINE_LANES * sizeof(*lines->lanes);
    /* Aligned so that a line is exactly one cache line. */
    lines->allocation = malloc(bytes + 63);
    if (!lines->allocation)
        out_of_memory(set->pool);
    lines->lanes = (apr_uint16_t *)(((apr_uintptr_t)lines->allocation + 63)
                                    & ~(apr_uintptr_t)63);
    fill_lines(lines, walk);
}

/* Copies of the last key after the sealed ones let the window search run
 * past the end without a bounds check: a copy is <= target exactly when the
 * last key is, and names the same range.  They stay in the array as blocks,
 * so blocks added later go after them and the next seal merges them away. */
static void pad_v4_keys(phs_ip_set_t *set)
{
    apr_uint64_t *keys;

    set->v4.count = set->v4_sealed;
    grow_array_resize(&set->v4, set->v4_sealed + INDEX_WINDOW, set->pool);
    keys = set->v4.items;
    for (int i = 0; i < INDEX_WINDOW && set->v4_sealed > 0; i++)
        keys[set->v4.count++] = keys[set->v4_sealed - 1];
}

static void grow_array_sort(grow_array_t *a,
                            int (*compare)(const void *, const void *))
{
    if (a->count > 1)
        qsort(a->items, a->count, a->item_size, compare);
}

void phs_ip_set_seal(phs_ip_set_t *set)
{
    grow_array_sort(&set->v4, compare_u64);
    set->v4_sealed = merge_v4(set->v4.items, set->v4.count);
    pad_v4_keys(set);

    grow_array_sort(&set->v6, compare_v6_range);
    set->v6.count = merge_v6(set->v6.items, set->v6.count);
    grow_array_resize(&set->v6, set->v6.count, set->pool);
    set->v6_sealed = set->v6.count;

    build_v4_index(set);
    build_lines(set);
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

/* Keys <= target among the INDEX_WINDOW keys from `keys` on: independent
 * loads and compares, no data-dependent branch. */
static apr_size_t count_window_le(const apr_uint64_t *keys, apr_uint64_t target)
{
    return (apr_size_t)(keys[0] <= target) + (keys[1] <= target)
           + (keys[2] <= target) + (keys[3] <= target);
}

static int v4_keys_contain(const phs_ip_set_t *set, apr_uint32_t v4)
{
    const apr_uint64_t *keys = set->v4.items;
    apr_uint64_t target = (apr_uint64_t)v4 << 32 | 0xffffffff;
    apr_size_t lo = 0, hi = set->v4_sealed, below;

    if (set->v4_index) {
        apr_uint32_t offset;
        apr_size_t bucket;

        if (!span_offset(&set->index_span, v4, &offset))
            return 0;
        bucket = span_slice(&set->index_span, offset);
        lo = set->v4_index[bucket];
        hi = set->v4_index[bucket + 1];
    }
    if (hi == 0)
        return 0;
    /* Keys from hi on start in a later bucket, above target, so counting
     * over a fixed window that runs past hi gives the same answer (the
     * padding makes the window safe at the end of the array). */
    if (hi - lo <= INDEX_WINDOW)
        below = lo + count_window_le(keys + lo, target);
    else
        below = lo + count_keys_le(keys + lo, hi - lo, target);
    return below > 0 && (apr_uint32_t)keys[below - 1] >= v4;
}

/* Parity of the lanes >= x among the boundary lanes of a line. */
#if defined(__GNUC__)
/* may_alias: the lanes are read as vectors; lines are 64-byte aligned. */
typedef apr_uint16_t lanes8_t __attribute__((vector_size(16), may_alias));

static unsigned line_parity(const apr_uint16_t *line, apr_uint16_t x)
{
    const lanes8_t *v = (const lanes8_t *)line;
    const lanes8_t xs = { x, x, x, x, x, x, x, x };
    const lanes8_t not_header = { 0, 0, 0, 0, 0xffff, 0xffff, 0xffff, 0xffff };
    lanes8_t odd;
    apr_uint64_t halves[2], folded;

    odd = (lanes8_t)(((v[0] >= xs) & not_header) ^ (v[1] >= xs)
                     ^ (v[2] >= xs) ^ (v[3] >= xs));
    memcpy(halves, &odd, sizeof(halves));
    folded = halves[0] ^ halves[1];
    folded ^= folded >> 32;
    folded ^= folded >> 16;
    return (unsigned)folded & 1;
}
#else
static unsigned line_parity(const apr_uint16_t *line, apr_uint16_t x)
{
    unsigned odd = 0;

    for (int i = LINE_FIRST_BOUNDARY; i < LINE_LANES; i++)
        odd ^= line[i] >= x;
    return odd;
}
#endif

/* The continuation of a crowded slice that answers for offset x: the first
 * of them whose LINE_LAST_X is >= x (the last one's is 0xffff). */
static const apr_uint16_t *continuation_for(const line_table_t *lines,
                                            const apr_uint16_t *direct,
                                            apr_uint16_t x)
{
    const apr_uint16_t *first = lines->lanes + line_next(direct) * LINE_LANES;
    apr_size_t lo = 0, hi = line_next(first) - 1;

    while (lo < hi) {
        apr_size_t mid = lo + (hi - lo) / 2;

        if (x > first[mid * LINE_LANES + LINE_LAST_X])
            lo = mid + 1;
        else
            hi = mid;
    }
    return first + lo * LINE_LANES;
}

static int v4_lines_contain(const line_table_t *lines, apr_uint32_t v4)
{
    apr_uint32_t offset;
    const apr_uint16_t *line;
    apr_uint16_t x;

    if (!span_offset(&lines->span, v4, &offset))
        return 0;
    x = (apr_uint16_t)(offset & lines->offset_mask);
    line = lines->lanes + span_slice(&lines->span, offset) * LINE_LANES;

    /* Predicted not taken: continuation lines are rare by construction. */
    if (x > line[LINE_LAST_X])
        line = continuation_for(lines, line, x);
    return (int)((line[LINE_STATE] ^ line_parity(line, x)) & 1);
}

static int v4_contains(const phs_ip_set_t *set, apr_uint32_t v4)
{
    if (set->lines.lanes)
        return v4_lines_contain(&set->lines, v4);
    return v4_keys_contain(set, v4);
}

static int v6_contains(const phs_ip_set_t *set, const phs_ip_t *ip)
{
    const v6_range_t *base = set->v6.items;
    apr_size_t n = set->v6_sealed;

    if (n == 0)
        return 0;
    while (n > 1) {
        apr_size_t half = n / 2;
        base = ip_less(ip, &base[half].first) ? base : base + half;
        n -= half;
    }
    return !ip_less(ip, &base->first) && !ip_less(&base->last, ip);
}

int phs_ip_set_contains(const phs_ip_set_t *set, const phs_ip_t *ip)
{
    if (phs_ip_is_v4(ip))
        return v4_contains(set, (apr_uint32_t)ip->lo);
    return v6_contains(set, ip);
}

apr_size_t phs_ip_set_block_count(const phs_ip_set_t *set)
{
    return set->blocks;
}

apr_size_t phs_ip_set_range_count(const phs_ip_set_t *set)
{
    return set->v4_sealed + set->v6_sealed;
}

apr_size_t phs_ip_set_memory(const phs_ip_set_t *set)
{
    apr_size_t index_entries = set->v4_index
                               ? ((apr_size_t)1 << set->index_bits) + 1 : 0;

    return sizeof(*set) + set->v4_sealed * sizeof(apr_uint64_t)
           + set->v6_sealed * sizeof(v6_range_t)
           + index_entries * sizeof(*set->v4_index)
           + set->lines.count * LINE_LANES * sizeof(*set->lines.lanes);
}
