/* The client-IP header walk (X-Forwarded-For and the like), mod_remoteip
 * style, as a pure function: APR only, numeric addresses only. */
#ifndef PHS_CLIENT_IP_H
#define PHS_CLIENT_IP_H

#include "phs_ip_set.h"

/* Whom the module believes about the client-IP header, and how it reads. */
typedef struct {
    const phs_ip_set_t *trusted;  /* trusted proxies (sealed), or NULL */
    int trust_all;                /* every peer; the leftmost entry wins */
    int hops;                     /* > 0: the Nth entry from the right */
    int rfc7239;                  /* RFC 7239 `Forwarded` elements: each
                                     entry's address is its for=, its
                                     scheme its proto= */
} phs_trust_t;

typedef enum {
    PHS_CLIENT_PEER,       /* the header was not used: the peer is the client */
    PHS_CLIENT_FORWARDED,  /* the client comes from the header */
    PHS_CLIENT_UNKNOWN     /* the header could not be trusted: fail closed */
} phs_client_source_t;

typedef struct {
    phs_client_source_t source;
    phs_ip_t client;        /* with PHS_CLIENT_FORWARDED */
    const char *client_text; /* its canonical text, as phs_ip_format */
    const char *remainder;  /* header entries left of the client, or NULL */
    const char *proxies;    /* the proxies consumed, peer first, or NULL */
    const char *reason;     /* with PHS_CLIENT_UNKNOWN */
    int https;              /* rfc7239: the client's element says
                               proto=https */
} phs_client_t;

/* 1 when the direct peer's forwarded headers (client IP, proto) count. */
int phs_peer_trusted(const phs_trust_t *trust, const phs_ip_t *peer);

/* Parses one header entry: `ip`, `ip:port`, `[v6]` or `[v6]:port`, with
 * spaces and tabs around it.  IPv4-mapped entries become IPv4. */
int phs_forwarded_entry_parse(const char *entry, apr_size_t len,
                              phs_ip_t *out);

/* The longest for= value read, in bytes once unquoted: the longest
 * address with a port (`[IPv6]:65535`, 47) fits with room; a longer one
 * can only carry a long obfuscated port, and reads as no address. */
#define PHS_FORWARDED_NODE_MAX 61

/* Parses one RFC 7239 element (`for=192.0.2.60;proto=http;by=...`):
 * its for= node, an address as above (quoted or not, `"[v6]:port"`, an
 * obfuscated port `:_x`), into *out, and whether its proto= is https.
 * 0 when the element is malformed, has no for=, its node is `unknown`,
 * obfuscated (`_hidden`) or longer than PHS_FORWARDED_NODE_MAX: the
 * client is then unknown. */
int phs_forwarded_element_parse(const char *element, apr_size_t len,
                                phs_ip_t *out, int *https);

/* Resolves the client from the peer (and its canonical text, as
 * phs_ip_format writes it, or NULL to have it formatted) and the header's
 * value (all its lines joined by commas; NULL when absent).  Walks right
 * to left: every entry sent by a trusted hop is consumed, the first
 * untrusted address is the client, and when all are trusted the leftmost.
 * `hops` picks the Nth entry from the right instead (a shorter chain:
 * unknown), `trust_all` the leftmost.  An entry that cannot be parsed,
 * reached during the walk, makes the client unknown.  The proxies note
 * never holds the client. */
void phs_client_resolve(apr_pool_t *p, const phs_trust_t *trust,
                        const phs_ip_t *peer, const char *peer_text,
                        const char *header, phs_client_t *out);

#endif
