/* Numeric IP addresses: parsing and formatting, APR only, never a DNS lookup.
 *
 * Every address is held as 128 bits.  IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d), so an IPv4-mapped IPv6 client and the plain IPv4 client
 * are the same value and match the same blocks. */
#ifndef PHS_IP_ADDR_H
#define PHS_IP_ADDR_H

#include <apr_pools.h>
#include <apr_network_io.h>

typedef struct {
    apr_uint64_t hi;   /* bits 127..64, host byte order */
    apr_uint64_t lo;   /* bits 63..0 */
} phs_ip_t;

/* A block: the addresses whose top `bits` bits equal those of `base`.
 * `bits` counts in the 128-bit space: an IPv4 /24 is 96 + 24 = 120. */
typedef struct {
    phs_ip_t base;     /* host bits cleared */
    unsigned bits;     /* 0..128 */
} phs_cidr_t;

/* 1 when ip is IPv4-mapped (::ffff:0:0/96). */
static APR_INLINE int phs_ip_is_v4(const phs_ip_t *ip)
{
    return ip->hi == 0 && (ip->lo >> 32) == 0xffff;
}

/* Parses exactly `len` bytes as `a.b.c.d` (decimal, no leading zeros) or an
 * IPv6 address (RFC 4291 text form, embedded IPv4 tail allowed).  No
 * brackets, port, zone id or prefix.  Returns 1 on success, 0 otherwise. */
int phs_ip_parse(const char *text, apr_size_t len, phs_ip_t *out);
/* The same for `a.b.c.d` alone: 1 when the text is a dotted quad, which is
 * its address's canonical text (IPv4-mapped IPv6 text is not). */
int phs_ip_parse_dotted_quad(const char *text, apr_size_t len,
                             phs_ip_t *out);

/* Parses one allow-list token: an address, or address/prefix with the prefix
 * in decimal (0..32 for IPv4, 0..128 for IPv6).  Host bits are allowed and
 * cleared.  Returns NULL on success, else a message naming the token. */
const char *phs_cidr_parse(apr_pool_t *p, const char *token, phs_cidr_t *out);

/* The same for exactly `len` bytes (need not be NUL-terminated; an embedded
 * NUL is an error), so list and file readers parse tokens in place. */
const char *phs_cidr_parse_len(apr_pool_t *p, const char *token,
                               apr_size_t len, phs_cidr_t *out);

/* The address of an APR socket address; 0 for a family other than
 * AF_INET/AF_INET6. */
int phs_ip_from_sockaddr(const apr_sockaddr_t *sa, phs_ip_t *out);

/* Text form: dotted quad for IPv4 (mapped or not), RFC 5952 for IPv6.
 * buf must hold PHS_IP_TEXT_MAX bytes; returns buf. */
#define PHS_IP_TEXT_MAX 46
char *phs_ip_format(const phs_ip_t *ip, char *buf);

#endif
