/* Fuzz target: addresses and CIDR blocks (phs_ip_parse, phs_cidr_parse_len,
 * phs_cidr_parse, phs_ip_format, phs_ip_from_sockaddr).
 *
 * Input: one token.  A parsed address formats and parses back to itself and
 * agrees with glibc's inet_pton; a parsed block has no host bits and its
 * text form parses back to it; an error is printable text naming the
 * token. */
#include "fuzz.h"

#include <arpa/inet.h>
#include <string.h>

#include <apr_strings.h>

#include "phs_ip_addr.h"

static int all_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

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
    const char *string;
    phs_ip_t ours, theirs;
    int we_parse, they_parse;

    if (memchr(text, '\0', len))
        return NULL;
    string = fuzz_exact_string(p, text, len);
    we_parse = phs_ip_parse(text, len, &ours);
    they_parse = inet_pton(family, string, bytes) == 1;
    if (we_parse != they_parse)
        return fuzz_broken(p, "phs_ip_parse %s '%s', inet_pton %s it",
                           we_parse ? "accepts" : "rejects",
                           fuzz_shown(p, string),
                           they_parse ? "accepts" : "rejects");
    theirs = ip_from_bytes(family, bytes);
    if (we_parse && !fuzz_ip_equal(&ours, &theirs))
        return fuzz_broken(p, "phs_ip_parse and inet_pton read '%s' "
                           "differently", fuzz_shown(p, string));
    return NULL;
}

/* An error names the token, quoted safely for a log line. */
static const char *cidr_error_ok(apr_pool_t *p, const char *error)
{
    if (!fuzz_starts_with(error, "invalid IP address or CIDR block '"))
        return fuzz_broken(p, "unexpected error text '%s'",
                           fuzz_shown(p, error));
    if (!all_printable(error))
        return fuzz_broken(p, "error '%s' holds unprintable bytes (log "
                           "injection)", fuzz_shown(p, error));
    return NULL;
}

/* A block's text form: what it would be written as in a list. */
static const char *cidr_text(apr_pool_t *p, const phs_cidr_t *block)
{
    int v4 = phs_ip_is_v4(&block->base) && block->bits >= 96;

    return apr_psprintf(p, "%s/%u", fuzz_ip_text(p, &block->base),
                        v4 ? block->bits - 96 : block->bits);
}

static const char *cidr_invariants(apr_pool_t *p, const char *token,
                                   size_t len, const phs_cidr_t *block)
{
    const char *text, *error;
    phs_ip_t masked = fuzz_ip_masked(block->base, block->bits), plain;
    phs_cidr_t again;

    if (block->bits > 128)
        return fuzz_broken(p, "prefix %u beyond 128 bits", block->bits);
    if (!fuzz_ip_equal(&masked, &block->base))
        return "a parsed block keeps host bits";
    text = cidr_text(p, block);
    error = phs_cidr_parse(p, fuzz_exact_string(p, text, strlen(text)),
                           &again);
    if (error || again.bits != block->bits
        || !fuzz_ip_equal(&again.base, &block->base))
        return fuzz_broken(p, "block '%s' does not parse back to itself",
                           fuzz_shown(p, text));
    if (!memchr(token, '/', len)
        && (!phs_ip_parse(token, len, &plain) || block->bits != 128
            || !fuzz_ip_equal(&plain, &block->base)))
        return "a block without '/' is not the single address";
    return NULL;
}

static const char *check_cidr(apr_pool_t *p, const char *token, size_t len)
{
    phs_cidr_t block, again;
    const char *error = phs_cidr_parse_len(p, token, len, &block), *other;

    if (!memchr(token, '\0', len)) {
        other = phs_cidr_parse(p, fuzz_exact_string(p, token, len), &again);
        if ((other == NULL) != (error == NULL)
            || (!error && (again.bits != block.bits
                           || !fuzz_ip_equal(&again.base, &block.base))))
            return "phs_cidr_parse and phs_cidr_parse_len disagree";
    }
    return error ? cidr_error_ok(p, error)
                 : cidr_invariants(p, token, len, &block);
}

const char *phs_check_ip_addr(apr_pool_t *p, const char *data, size_t size)
{
    char *bytes = fuzz_exact_bytes(p, data, size);
    const char *failure;
    phs_ip_t ip;

    if (phs_ip_parse(bytes, size, &ip)
        && (failure = fuzz_ip_round_trip(p, &ip)))
        return failure;
    if ((failure = ip_agrees_with_inet_pton(p, bytes, size)))
        return failure;
    return check_cidr(p, bytes, size);
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_ip_addr, data, size);
}
#endif
