/* Numeric IP addresses: a hand-written parser and an RFC 5952 formatter.
 *
 * The parser is our own rather than inet_pton(): the accepted grammar must be
 * exactly the documented one on every platform (inet_pton accepts leading
 * zeros on some libcs, and its IPv4 variants differ), and nothing here may
 * ever reach a resolver. */
#include <string.h>

#include "apr_strings.h"

#include "phs_ip_addr.h"
#include "phs_text.h"

#define V4_MAPPED_PREFIX APR_UINT64_C(0x0000ffff00000000)

static void ip_from_v4(apr_uint32_t v4, phs_ip_t *out)
{
    out->hi = 0;
    out->lo = V4_MAPPED_PREFIX | v4;
}

static void ip_to_words(const phs_ip_t *ip, apr_uint16_t words[8])
{
    for (int i = 0; i < 4; i++) {
        words[i] = (apr_uint16_t)(ip->hi >> (48 - 16 * i));
        words[i + 4] = (apr_uint16_t)(ip->lo >> (48 - 16 * i));
    }
}

/* Each hex digit's value plus one, 0 for anything else: a table lookup a
 * byte, where most of the IPv6 parser's time went on a long list. */
static const unsigned char hex_plus_one[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
    ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* One octet at *s (of a dotted quad, or a prefix length): 1 to 3 digits,
 * 0..255, no leading zero.  Leading zeros are refused because other parsers
 * read them as octal: "010.0.0.1" must not silently mean 10.0.0.1 here and
 * 8.0.0.1 elsewhere.  Returns the octet and advances *s, or -1. */
static int parse_octet(const unsigned char **s, const unsigned char *end)
{
    const unsigned char *c = *s;
    unsigned octet, digit;

    if (c == end || (octet = (unsigned)*c - '0') > 9)
        return -1;
    c++;
    if (c < end && (digit = (unsigned)*c - '0') <= 9) {
        if (octet == 0)
            return -1;
        octet = octet * 10 + digit;
        c++;
        if (c < end && (digit = (unsigned)*c - '0') <= 9) {
            octet = octet * 10 + digit;
            c++;
            if (octet > 255)
                return -1;
        }
    }
    *s = c;
    return (int)octet;
}

/* `a.b.c.d`: exactly four octets.  Octet by octet rather than byte by byte:
 * it runs on every forwarded hop of every request.  A fourth digit is
 * neither a dot nor the end, so it is refused too. */
static int parse_v4(const char *text, apr_size_t len, apr_uint32_t *out)
{
    const unsigned char *s = (const unsigned char *)text, *end = s + len;
    apr_uint32_t v4 = 0;
    int i, octet;

    for (i = 0; i < 4; i++) {
        if (i > 0 && (s == end || *s++ != '.'))
            return 0;
        if ((octet = parse_octet(&s, end)) < 0)
            return 0;
        v4 = (v4 << 8) | (apr_uint32_t)octet;
    }
    if (s != end)
        return 0;
    *out = v4;
    return 1;
}

/* The groups gathered so far, a 128-bit value 16 bits at a time. */
#define PUSH_GROUP(hi, lo, group) \
    ((hi) = (hi) << 16 | (lo) >> 48, (lo) = (lo) << 16 | (group))

/* v moved left by `groups` 16-bit groups, 0 to 8. */
static void shift_groups(phs_ip_t *v, int groups)
{
    unsigned bits = 16u * (unsigned)groups;

    if (bits >= 64) {
        v->hi = bits < 128 ? v->lo << (bits - 64) : 0;
        v->lo = 0;
    }
    else if (bits > 0) {
        v->hi = v->hi << bits | v->lo >> (64 - bits);
        v->lo <<= bits;
    }
}

/* RFC 4291 section 2.2 text forms: 1-4 hex digits per group, at most one
 * "::" (at least one zero group), optionally an IPv4 dotted quad as the
 * last 32 bits.  The groups before a "::" and after it are gathered apart,
 * the first moved up at the end.  A copy ending in a NUL, which no digit,
 * ':' or '.' is, lets the scan run without a bound check.  Out of line,
 * so that an IPv4 parse pays not its frame and stack guard. */
PHS_NOINLINE
static int parse_v6(const char *text, apr_size_t len, phs_ip_t *out)
{
    unsigned char buf[PHS_IP_TEXT_MAX];
    const unsigned char *s = buf, *end;
    phs_ip_t head = { 0, 0 };
    apr_uint64_t hi = 0, lo = 0;
    int count = 0, gap = -1;

    if (len >= sizeof(buf))
        return 0;
    end = buf + len;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (s[0] == ':' && s[1] == ':') {
        gap = 0;
        s += 2;
    }
    while (*s) {
        const unsigned char *start = s;
        unsigned group = 0, digit;

        /* Unsigned: a non-digit's 0 - 1 is no digit's value. */
        while ((digit = hex_plus_one[*s] - 1u) < 16) {
            group = group << 4 | digit;
            s++;
        }
        if (*s == '.') {
            apr_uint32_t v4;

            if (count > 6 || !parse_v4((const char *)start,
                                       (apr_size_t)(end - start), &v4))
                return 0;
            PUSH_GROUP(hi, lo, v4 >> 16);
            PUSH_GROUP(hi, lo, v4 & 0xffff);
            count += 2;
            s = end;
            break;
        }
        if (s == start || s - start > 4 || count == 8)
            return 0;
        PUSH_GROUP(hi, lo, group);
        count++;
        if (!*s)
            break;
        /* A single ':' must be followed by another group. */
        if (*s++ != ':' || !*s)
            return 0;
        if (*s == ':') {
            if (gap >= 0)
                return 0;
            gap = count;
            head.hi = hi;
            head.lo = lo;
            hi = lo = 0;
            s++;
        }
    }
    /* A NUL inside the text stops the scan short of its end. */
    if (s != end || (gap < 0 ? count != 8 : count > 7))
        return 0;
    if (gap > 0)
        shift_groups(&head, 8 - gap);
    out->hi = head.hi | hi;
    out->lo = head.lo | lo;
    return 1;
}

int phs_ip_parse_dotted_quad(const char *text, apr_size_t len,
                             phs_ip_t *out)
{
    apr_uint32_t v4;

    if (!parse_v4(text, len, &v4))
        return 0;
    ip_from_v4(v4, out);
    return 1;
}

int phs_ip_parse(const char *text, apr_size_t len, phs_ip_t *out)
{
    /* IPv4 first: it is the common case, and a non-IPv4 text fails
     * within its first group. */
    return phs_ip_parse_dotted_quad(text, len, out)
           || parse_v6(text, len, out);
}

static void ip_mask(phs_ip_t *ip, unsigned bits)
{
    apr_uint64_t all = ~APR_UINT64_C(0);

    ip->hi &= bits >= 64 ? all : bits == 0 ? 0 : all << (64 - bits);
    ip->lo &= bits >= 128 ? all : bits <= 64 ? 0 : all << (128 - bits);
}

/* The token as it may appear inside quotes in a log line: bytes outside
 * printable ASCII become \xHH, and very long tokens are cut, so a hostile
 * file or header cannot inject into the error log. */
/* A hint for the common mistakes; NULL when none applies. */
static const char *address_problem(const char *addr, apr_size_t len)
{
    apr_uint32_t v4;
    int letters = 0, hex_letters = 0, colons = 0;

    if (len == 0)
        return "empty address";
    for (apr_size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c <= 0x20 || c == 0x7f)
            return "contains whitespace or control characters";
        if (c == '%')
            return "zone ids are not allowed";
        if (c == '[' || c == ']')
            return "brackets are not allowed";
        if (c == ':')
            colons++;
        if ((c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z'))
            letters = 1;
        if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            hex_letters = 1;
    }
    /* Without a colon even "cafe" is meant as a name, not hex groups. */
    if (colons == 0)
        letters |= hex_letters;
    if (colons == 1) {
        const char *colon = memchr(addr, ':', len);
        if (parse_v4(addr, (apr_size_t)(colon - addr), &v4))
            return "ports are not allowed";
    }
    if (letters)
        return "not a numeric address (host names are never resolved)";
    if (colons == 0)
        return "IPv4 needs four decimal parts 0..255 without leading zeros";
    return "not a valid IPv6 address";
}

static const char *cidr_error(apr_pool_t *p, const char *token, apr_size_t len,
                              const char *problem)
{
    return apr_psprintf(p, "invalid IP address or CIDR block '%s'%s%s",
                        phs_text_quote(p, token, len), problem ? ": " : "",
                        problem ? problem : "");
}

const char *phs_cidr_parse_len(apr_pool_t *p, const char *token,
                               apr_size_t len, phs_cidr_t *out)
{
    const char *slash = memchr(token, '/', len);
    apr_size_t addr_len = slash ? (apr_size_t)(slash - token) : len;
    int written_v4 = !memchr(token, ':', addr_len);
    unsigned max_prefix = written_v4 ? 32 : 128;
    unsigned prefix = max_prefix;
    phs_ip_t ip;

    if (len == 0)
        return cidr_error(p, token, len, "empty");
    if (!phs_ip_parse(token, addr_len, &ip))
        return cidr_error(p, token, len, address_problem(token, addr_len));
    if (slash) {
        const unsigned char *digits = (const unsigned char *)slash + 1;
        const unsigned char *end = (const unsigned char *)token + len;
        int octet;

        if (digits == end)
            return cidr_error(p, token, len, "missing prefix length after '/'");
        if ((octet = parse_octet(&digits, end)) < 0 || digits != end)
            return cidr_error(p, token, len, apr_psprintf(p,
                "prefix must be 0..%u in decimal, without sign or leading zeros",
                max_prefix));
        prefix = (unsigned)octet;
        if (prefix > max_prefix)
            return cidr_error(p, token, len, apr_psprintf(p,
                "prefix /%u out of range for %s", prefix,
                written_v4 ? "IPv4" : "IPv6"));
    }
    /* An IPv4 prefix counts within the mapped /96; a prefix written after an
     * IPv6-form address (even ::ffff:a.b.c.d) counts in the 128-bit space. */
    out->bits = written_v4 ? 96 + prefix : prefix;
    ip_mask(&ip, out->bits);
    out->base = ip;
    return NULL;
}

const char *phs_cidr_parse(apr_pool_t *p, const char *token, phs_cidr_t *out)
{
    return phs_cidr_parse_len(p, token, strlen(token), out);
}

/* Eight bytes in network order, written so that compilers make it one
 * load and a byte swap. */
static apr_uint64_t load_be64(const unsigned char *b)
{
    return (apr_uint64_t)b[0] << 56 | (apr_uint64_t)b[1] << 48
           | (apr_uint64_t)b[2] << 40 | (apr_uint64_t)b[3] << 32
           | (apr_uint64_t)b[4] << 24 | (apr_uint64_t)b[5] << 16
           | (apr_uint64_t)b[6] << 8 | (apr_uint64_t)b[7];
}

int phs_ip_from_sockaddr(const apr_sockaddr_t *sa, phs_ip_t *out)
{
    if (sa->family == AF_INET) {
        const unsigned char *b = (const unsigned char *)&sa->sa.sin.sin_addr;
        ip_from_v4((apr_uint32_t)b[0] << 24 | (apr_uint32_t)b[1] << 16
                   | (apr_uint32_t)b[2] << 8 | b[3], out);
        return 1;
    }
#if APR_HAVE_IPV6
    if (sa->family == AF_INET6) {
        const unsigned char *b = sa->sa.sin6.sin6_addr.s6_addr;

        out->hi = load_be64(b);
        out->lo = load_be64(b + 8);
        return 1;
    }
#endif
    return 0;
}

/* Written by hand: sprintf costs more than the rest of the request's
 * client-IP work. */
static char *format_v4(apr_uint32_t v4, char *buf)
{
    char *w = buf;
    int shift;

    for (shift = 24; shift >= 0; shift -= 8) {
        unsigned octet = (v4 >> shift) & 0xff;

        if (octet >= 100)
            *w++ = (char)('0' + octet / 100);
        if (octet >= 10)
            *w++ = (char)('0' + octet / 10 % 10);
        *w++ = (char)('0' + octet % 10);
        *w++ = shift ? '.' : '\0';
    }
    return buf;
}

/* A group in lower-case hex without leading zeros (RFC 5952 4.3), as
 * sprintf("%x") would write it, a tenth of its cost. */
static char *put_hex_group(char *w, unsigned group)
{
    static const char digits[] = "0123456789abcdef";

    if (group >= 0x1000)
        *w++ = digits[group >> 12];
    if (group >= 0x100)
        *w++ = digits[(group >> 8) & 0xf];
    if (group >= 0x10)
        *w++ = digits[(group >> 4) & 0xf];
    *w++ = digits[group & 0xf];
    return w;
}

char *phs_ip_format(const phs_ip_t *ip, char *buf)
{
    apr_uint16_t words[8];
    int run_start, run_len;
    char *w = buf;

    if (phs_ip_is_v4(ip))
        return format_v4((apr_uint32_t)ip->lo, buf);
    ip_to_words(ip, words);
    /* RFC 5952 4.2: compress the longest run of two or more zero groups,
     * the first one on a tie. */
    run_start = -1;
    run_len = 1;
    for (int i = 0, run = 0; i < 8; i++) {
        run = words[i] ? 0 : run + 1;
        if (run > run_len) {
            run_len = run;
            run_start = i - run + 1;
        }
    }
    for (int i = 0; i < 8; i++) {
        if (i == run_start) {
            *w++ = ':';
            *w++ = ':';
            i += run_len - 1;
            continue;
        }
        if (i > 0 && i != run_start + run_len)
            *w++ = ':';
        w = put_hex_group(w, words[i]);
    }
    *w = '\0';
    return buf;
}
