#include <string.h>

#include "phs_client_ip.h"
#include "phs_text.h"

#include <apr_strings.h>
#include <apr_lib.h>

int phs_peer_trusted(const phs_trust_t *trust, const phs_ip_t *peer)
{
    if (trust->trust_all)
        return 1;
    if (trust->trusted)
        return phs_ip_set_contains(trust->trusted, peer);
    return trust->hops > 0;
}

/* A port after an address: 1 to 5 digits, at most 65535. */
static int port_ok(const char *s, apr_size_t len)
{
    unsigned long port = 0;
    apr_size_t i;

    if (len == 0 || len > 5)
        return 0;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        port = port * 10 + (unsigned long)(s[i] - '0');
    }
    return port <= 65535;
}

int phs_forwarded_entry_parse(const char *entry, apr_size_t len,
                              phs_ip_t *out)
{
    phs_span_t text = phs_span_trimmed(entry, entry + len);
    const char *end = text.start + text.len, *colon;

    entry = text.start;
    len = text.len;
    if (len > 0 && *entry == '[') {
        const char *close = memchr(entry, ']', len);

        if (!close)
            return 0;
        if (close + 1 != end
            && (close[1] != ':' || !port_ok(close + 2, (apr_size_t)(end - close - 2))))
            return 0;
        return memchr(entry + 1, ':', (apr_size_t)(close - entry - 1)) != NULL
               && phs_ip_parse(entry + 1, (apr_size_t)(close - entry - 1), out);
    }
    /* A bare address, the common case, first; no IPv6 address has a
     * single colon, so one colon can only be IPv4 with a port. */
    if (phs_ip_parse(entry, len, out))
        return 1;
    colon = memchr(entry, ':', len);
    return colon && !memchr(colon + 1, ':', (apr_size_t)(end - colon - 1))
           && port_ok(colon + 1, (apr_size_t)(end - colon - 1))
           && phs_ip_parse(entry, (apr_size_t)(colon - entry), out)
           && phs_ip_is_v4(out);
}

/* One pair's value at *s (a token, or a quoted-string unescaped into buf,
 * `size` bytes); *s moves past it.  0 when malformed or too long. */
static int pair_value(const char **s, const char *end, char *buf,
                      apr_size_t size, phs_span_t *value)
{
    const char *c = *s;
    apr_size_t n = 0;

    if (c < end && *c == '"') {
        for (c++; c < end && *c != '"'; c++) {
            if (*c == '\\' && ++c == end)
                return 0;
            if (n + 1 >= size || (unsigned char)*c < 0x20 || *c == 0x7f)
                return 0;
            buf[n++] = *c;
        }
        if (c == end)
            return 0;
        value->start = buf;
        value->len = n;
        *s = c + 1;
        return 1;
    }
    for (value->start = c; c < end && phs_is_tchar((unsigned char)*c); c++)
        ;
    value->len = (apr_size_t)(c - value->start);
    *s = c;
    return value->len > 0;
}

/* The for= node: an address with an optional port, which may be
 * obfuscated (`_x`); `unknown` and obfuscated nodes are no address. */
static int node_parse(phs_span_t node, phs_ip_t *out)
{
    const char *colon;
    apr_size_t i;

    if (!node.len || node.start[0] == '_' || phs_span_is(node, "unknown"))
        return 0;
    colon = node.start[0] == '['
            ? memchr(node.start, ']', node.len) : memchr(node.start, ':', node.len);
    if (colon && node.start[0] == '[')
        colon = colon + 1 < node.start + node.len && colon[1] == ':'
                ? colon + 1 : NULL;
    if (colon && colon + 1 < node.start + node.len && colon[1] == '_'
        && !memchr(colon + 1, ':', (apr_size_t)(node.start + node.len - colon - 1))) {
        /* RFC 7239 6.3: "_" and at least one more character. */
        if ((apr_size_t)(colon - node.start) + 2 >= node.len)
            return 0;
        for (i = (apr_size_t)(colon - node.start) + 2; i < node.len; i++)
            if (!apr_isalnum(node.start[i]) && !strchr("._-", node.start[i]))
                return 0;
        node.len = (apr_size_t)(colon - node.start);
    }
    return phs_forwarded_entry_parse(node.start, node.len, out);
}

int phs_forwarded_element_parse(const char *element, apr_size_t len,
                                phs_ip_t *out, int *https)
{
    const char *c = element, *end = element + len, *key;
    char for_buf[PHS_FORWARDED_NODE_MAX + 1], proto_buf[16];
    phs_span_t name, value, node = { NULL, 0 };
    int seen_for = 0, seen_proto = 0;

    *https = 0;
    for (;;) {
        while (c < end && phs_is_blank(*c))
            c++;
        for (key = c; c < end && phs_is_tchar((unsigned char)*c); c++)
            ;
        name.start = key;
        name.len = (apr_size_t)(c - key);
        if (!name.len || c == end || *c++ != '=')
            return 0;
        if (phs_span_is(name, "for")) {
            if (seen_for++ || !pair_value(&c, end, for_buf, sizeof(for_buf),
                                          &value))
                return 0;
            node = value;
        }
        else if (phs_span_is(name, "proto")) {
            if (seen_proto++ || !pair_value(&c, end, proto_buf,
                                            sizeof(proto_buf), &value))
                return 0;
            *https = phs_span_is(value, "https");
        }
        else {
            char other[256];

            if (!pair_value(&c, end, other, sizeof(other), &value))
                return 0;
        }
        while (c < end && phs_is_blank(*c))
            c++;
        if (c == end)
            break;
        if (*c++ != ';')
            return 0;
    }
    return seen_for && node_parse(node, out);
}

/* What the walk learns from one entry of the client-IP header. */
typedef struct {
    phs_ip_t ip;
    int https;          /* RFC 7239: its proto= says https */
    int canonical;      /* the entry is its address's canonical text */
} entry_t;

/* One (trimmed) entry: its address, and for RFC 7239 its scheme.  The
 * common entry is a bare dotted quad, canonical as it stands. */
static int entry_parse(const phs_trust_t *trust, phs_span_t text,
                       entry_t *entry)
{
    entry->https = entry->canonical = 0;
    if (trust->rfc7239)
        return phs_forwarded_element_parse(text.start, text.len, &entry->ip,
                                           &entry->https);
    if (phs_ip_parse_dotted_quad(text.start, text.len, &entry->ip))
        return entry->canonical = 1;
    return phs_forwarded_entry_parse(text.start, text.len, &entry->ip);
}

/* Whether the hop that wrote the entry at `position` (1 = rightmost) is
 * consumed as a proxy rather than taken as the client. */
static int consumed(const phs_trust_t *trust, const phs_ip_t *ip,
                    int position)
{
    if (trust->hops > 0)
        return position < trust->hops;
    if (trust->trust_all)
        return 1;
    return phs_ip_set_contains(trust->trusted, ip);
}

/* The header text left of `start`, without the separators, or NULL. */
static const char *remainder_of(apr_pool_t *p, const char *header,
                                const char *start)
{
    while (start > header && (start[-1] == ',' || phs_is_blank(start[-1])))
        start--;
    return start > header ? apr_pstrmemdup(p, header,
                                           (apr_size_t)(start - header))
                          : NULL;
}

/* The canonical text of a parsed entry's address.  A bare dotted quad
 * already is (the IPv4 parser takes no other spelling), so the common entry
 * is used as it stands; any other, and every RFC 7239 element, is
 * formatted into `buf` (PHS_IP_TEXT_MAX bytes). */
static phs_span_t address_text(phs_span_t text, const entry_t *entry,
                               char *buf)
{
    if (entry->canonical)
        return text;
    text.start = phs_ip_format(&entry->ip, buf);
    text.len = strlen(buf);
    return text;
}

/* The note of consumed proxies, peer first, canonical and comma-joined.
 * Sized to the header, which nearly always holds it; but a canonical
 * address can be one byte longer than its entry ("1::3:4:5:6:7:8" is
 * written "1:0:3:4:5:6:7:8"), so it grows rather than trusting that. */
typedef struct {
    apr_pool_t *pool;
    char *text, *end, *limit;
} note_t;

static void note_add(note_t *note, phs_span_t address)
{
    apr_size_t used = (apr_size_t)(note->end - note->text);
    int comma = used > 0;

    if (used + comma + address.len + 1 > (apr_size_t)(note->limit - note->text)) {
        apr_size_t size = 2 * (used + comma + address.len + 1);
        char *bigger = apr_palloc(note->pool, size);

        memcpy(bigger, note->text, used);
        note->text = bigger;
        note->end = bigger + used;
        note->limit = bigger + size;
    }
    if (comma)
        *note->end++ = ',';
    memcpy(note->end, address.start, address.len);
    note->end += address.len;
    *note->end = '\0';
}

static void unknown(phs_client_t *out, const char *reason)
{
    out->source = PHS_CLIENT_UNKNOWN;
    out->reason = reason;
}

/* The start of the entry that ends at `end`: after the last comma
 * before it, else the header's start (the walk goes right to left). */
static const char *entry_start(const char *header, const char *end)
{
    while (end > header && end[-1] != ',')
        end--;
    return end;
}

void phs_client_resolve(apr_pool_t *p, const phs_trust_t *trust,
                        const phs_ip_t *peer, const char *peer_text,
                        const char *header, phs_client_t *out)
{
    char buf[PHS_IP_TEXT_MAX];
    note_t note;
    apr_size_t header_len, size;
    const char *end, *start = NULL, *lead;
    phs_span_t text = { NULL, 0 }, peer_entry;
    int position = 0;
    entry_t entry;

    memset(out, 0, sizeof(*out));
    out->source = PHS_CLIENT_PEER;
    if (!phs_peer_trusted(trust, peer))
        return;
    if (!header)
        header = "";
    header_len = strlen(header);
    size = PHS_IP_TEXT_MAX + header_len + 1;
    note.pool = p;
    note.text = note.end = apr_palloc(p, size);
    note.limit = note.text + size;
    peer_entry.start = peer_text ? peer_text : phs_ip_format(peer, buf);
    peer_entry.len = strlen(peer_entry.start);
    note_add(&note, peer_entry);
    /* Entries left of `lead` are blank: the one holding it is the last. */
    lead = header + strspn(header, " \t,");
    for (end = header + header_len; end > lead; end = start - 1) {
        start = entry_start(header, end);
        text = phs_span_trimmed(start, end);
        if (text.len == 0)
            continue;
        position++;
        if (!entry_parse(trust, text, &entry)) {
            unknown(out, apr_psprintf(p, "unparseable %s '%s'",
                                      trust->rfc7239 ? "element" : "entry",
                                      phs_text_quote(p, text.start,
                                                     text.len)));
            return;
        }
        if (start <= lead || !consumed(trust, &entry.ip, position))
            break;
        note_add(&note, address_text(text, &entry, buf));
    }
    if (trust->hops > 0 && position < trust->hops) {
        unknown(out, apr_psprintf(p, "%d entries, fewer than the %d proxy "
                                  "hops configured", position, trust->hops));
        return;
    }
    if (position == 0)
        return;
    text = address_text(text, &entry, buf);
    out->https = entry.https;
    out->source = PHS_CLIENT_FORWARDED;
    out->client = entry.ip;
    /* The header's last entry (a lone one, behind one proxy) ends where
     * the header does: it is a string already. */
    out->client_text = text.start != buf && text.start[text.len] == '\0'
                       ? text.start
                       : apr_pstrmemdup(p, text.start, text.len);
    out->remainder = remainder_of(p, header, start);
    out->proxies = note.text;
}
