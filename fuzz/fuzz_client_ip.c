/* Fuzz target: the client-IP header walk (phs_client_resolve,
 * phs_forwarded_entry_parse, phs_forwarded_element_parse) under several
 * trust policies and peers, read as X-Forwarded-For and as RFC 7239
 * Forwarded, against a model that walks the header split into an array of
 * entries.  A forwarded client formats and parses back; the remainder is a
 * prefix of the header; a plain `for=` element reads as its node does.
 *
 * Input: the header value; when it holds a '\n', the text before the first
 * one is also tried as the list of trusted proxies. */
#include "fuzz.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "phs_client_ip.h"

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

static int entry_or_element_parse(int rfc7239, const char *text, size_t len,
                                   phs_ip_t *ip)
{
    int https;

    return rfc7239 ? phs_forwarded_element_parse(text, len, ip, &https)
                   : phs_forwarded_entry_parse(text, len, ip);
}

static apr_array_header_t *split_entries(apr_pool_t *p, const char *header,
                                         int rfc7239)
{
    apr_array_header_t *entries = apr_array_make(p, 8, sizeof(entry_t));
    size_t start = 0, len = strlen(header), i;

    for (i = 0; i <= len; i++) {
        entry_t *e;
        const char *text;

        if (i < len && header[i] != ',')
            continue;
        e = apr_array_push(entries);
        e->start = start;
        e->end = i;
        text = fuzz_exact_bytes(p, header + start, i - start);
        e->blank = blank_text(text, i - start);
        e->parsed = entry_or_element_parse(rfc7239, text, i - start, &e->ip);
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

/* The proxies note: the peer, then every entry right of the client,
 * right to left, canonical. */
static const char *model_note(apr_pool_t *p, const phs_ip_t *peer,
                              const apr_array_header_t *entries, int client)
{
    const entry_t *e = (const entry_t *)entries->elts;
    const char *note = fuzz_ip_text(p, peer);
    int i;

    for (i = entries->nelts - 1; i > client; i--)
        if (!e[i].blank)
            note = apr_pstrcat(p, note, ",", fuzz_ip_text(p, &e[i].ip), NULL);
    return note;
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
    if ((failure = fuzz_ip_round_trip(p, &got->client)))
        return failure;
    if (!got->client_text
        || strcmp(got->client_text, fuzz_ip_text(p, &got->client)))
        return fuzz_broken(p, "client text '%s' is not the client's "
                           "canonical text",
                           got->client_text ? fuzz_shown(p, got->client_text)
                                            : "(none)");
    if (got->remainder && !fuzz_starts_with(header, got->remainder))
        return fuzz_broken(p, "remainder '%s' is not a prefix of the header",
                           fuzz_shown(p, got->remainder));
    if (!got->proxies
        || !fuzz_starts_with(got->proxies, fuzz_ip_text(p, peer)))
        return "the proxies do not start with the peer";
    return NULL;
}

static const char *or_none(apr_pool_t *p, const char *text)
{
    return text ? apr_pstrcat(p, "'", fuzz_shown(p, text), "'", NULL)
                : "none";
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
    const char *failure, *remainder, *note, *peer_text = fuzz_ip_text(p, peer);
    phs_client_t got;

    /* The glue passes httpd's text of an IPv4 peer; the walk formats any
     * other. */
    phs_client_resolve(p, trust, peer, phs_ip_is_v4(peer) ? peer_text : NULL,
                       header, &got);
    if ((failure = forwarded_result_ok(p, header, peer, &got)))
        return fuzz_broken(p, "%s, peer %s: %s", policy, peer_text, failure);
    if (got.source != want.source)
        return fuzz_broken(p, "%s, peer %s: source %d, the model says %d",
                           policy, peer_text, (int)got.source,
                           (int)want.source);
    if (want.source != PHS_CLIENT_FORWARDED)
        return NULL;
    remainder = model_remainder(p, header, client);
    if (!fuzz_ip_equal(&got.client, &client->ip)
        || (remainder == NULL) != (got.remainder == NULL)
        || (remainder && strcmp(remainder, got.remainder)))
        return fuzz_broken(p, "%s, peer %s: client %s, remainder %s; the "
                           "model says %s, %s", policy, peer_text,
                           fuzz_ip_text(p, &got.client),
                           or_none(p, got.remainder),
                           fuzz_ip_text(p, &client->ip),
                           or_none(p, remainder));
    note = model_note(p, peer, entries, want.client);
    if (strcmp(got.proxies, note))
        return fuzz_broken(p, "%s, peer %s: proxies '%s'; the model says '%s'",
                           policy, peer_text, fuzz_shown(p, got.proxies),
                           fuzz_shown(p, note));
    return NULL;
}

static phs_ip_set_t *sealed_list(apr_pool_t *p, const char *list)
{
    phs_ip_set_t *set = phs_ip_set_make(p);

    phs_ip_set_add_list(set, list);
    phs_ip_set_seal(set);
    return set;
}

static int is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 7239's node: no address when unknown or obfuscated; an obfuscated
 * port is dropped; the rest reads as an X-Forwarded-For entry. */
static int model_node(apr_pool_t *p, const char *value, phs_ip_t *ip)
{
    const char *colon = NULL, *c;
    size_t len = strlen(value);

    if (!len || value[0] == '_' || !strcasecmp(value, "unknown"))
        return 0;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (close && close[1] == ':')
            colon = close + 1;
    }
    else
        colon = strchr(value, ':');
    if (colon && colon[1] == '_' && !strchr(colon + 1, ':')) {
        if (!colon[2])
            return 0;
        for (c = colon + 2; *c; c++)
            if (!apr_isalnum(*c) && !strchr("._-", *c))
                return 0;
        len = (size_t)(colon - value);
    }
    return phs_forwarded_entry_parse(fuzz_exact_bytes(p, value, len), len, ip);
}

/* A lone `for=VALUE` or `for="VALUE"` element (no escapes) reads as its
 * node; an unquoted value must be a token. */
static const char *element_ok(apr_pool_t *p, const char *text, size_t len,
                              const entry_t *e)
{
    char *element = apr_pstrmemdup(p, text, len), *value, *end;
    int quoted, want;
    phs_ip_t ip;

    value = element + strspn(element, " \t");
    end = value + strlen(value);
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    if (strncasecmp(value, "for=", 4))
        return NULL;
    value += 4;
    quoted = *value == '"';
    if (quoted) {
        if (end - value < 2 || end[-1] != '"')
            return NULL;
        *--end = '\0';
        value++;
        if (strpbrk(value, "\"\\"))
            return NULL;
        for (char *c = value; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return NULL;
    }
    else {
        for (char *c = value; *c; c++)
            if (!is_token_char(*c))
                return NULL;
        if (!*value)
            return NULL;
    }
    want = strlen(value) <= PHS_FORWARDED_NODE_MAX && model_node(p, value, &ip);
    if (want != e->parsed || (want && !fuzz_ip_equal(&ip, &e->ip)))
        return fuzz_broken(p, "element '%s' reads %s; its node says %s",
                           fuzz_shown(p, element),
                           e->parsed ? fuzz_ip_text(p, &e->ip) : "nothing",
                           want ? fuzz_ip_text(p, &ip) : "nothing");
    return NULL;
}

/* Blanks around an entry never change what it is. */
static const char *entries_ok(apr_pool_t *p, const char *header,
                              const apr_array_header_t *entries, int rfc7239)
{
    const entry_t *e = (const entry_t *)entries->elts;
    int i;

    for (i = 0; i < entries->nelts; i++) {
        const char *padded = apr_psprintf(p, " \t%.*s\t ",
                                          (int)(e[i].end - e[i].start),
                                          header + e[i].start);
        size_t len = strlen(padded);
        const char *failure;
        phs_ip_t ip;
        int parsed = entry_or_element_parse(rfc7239,
                                            fuzz_exact_bytes(p, padded, len),
                                            len, &ip);

        if (parsed != e[i].parsed
            || (parsed && !fuzz_ip_equal(&ip, &e[i].ip)))
            return fuzz_broken(p, "entry '%s' reads differently with blanks "
                               "around it", fuzz_shown(p, padded));
        if (parsed && (failure = fuzz_ip_round_trip(p, &e[i].ip)))
            return failure;
        if (rfc7239
            && (failure = element_ok(p, header + e[i].start,
                                     e[i].end - e[i].start, &e[i])))
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

static const char *resolve_fixed_policies(apr_pool_t *p, const char *header,
                                          const apr_array_header_t *entries,
                                          int rfc7239)
{
    phs_ip_set_t *trusted = sealed_list(p, DEFAULT_TRUSTED);
    const phs_trust_t trust[] = {
        { trusted, 0, 0, rfc7239 }, { NULL, 1, 0, rfc7239 },
        { NULL, 0, 1, rfc7239 }, { NULL, 0, 2, rfc7239 },
        { NULL, 0, 3, rfc7239 }, { trusted, 0, 2, rfc7239 },
    };
    static const char *const names[] = {
        "trusted list", "trust all", "hops=1", "hops=2", "hops=3",
        "trusted list + hops=2",
    };
    const char *failure;
    size_t i;

    for (i = 0; i < sizeof(trust) / sizeof(*trust); i++)
        if ((failure = resolve_all_peers(p, names[i], &trust[i], header,
                                         entries, NULL)))
            return failure;
    return NULL;
}

/* The input's own list of trusted proxies; its first address is tried as
 * the peer too. */
static const char *resolve_input_policy(apr_pool_t *p, const char *list,
                                        const char *header,
                                        const apr_array_header_t *entries,
                                        int rfc7239)
{
    const phs_trust_t trust = { sealed_list(p, list), 0, 0, rfc7239 };
    const char *first_token = apr_pstrndup(p, list, strcspn(list, ", \t"));
    phs_cidr_t first;
    int has_first = !phs_cidr_parse(p, first_token, &first);

    return resolve_all_peers(p, "the input's list", &trust, header, entries,
                             has_first ? &first.base : NULL);
}

/* The header read one way: as X-Forwarded-For, or as RFC 7239 Forwarded. */
static const char *check_reading(apr_pool_t *p, const char *data,
                                 const char *newline, const char *header,
                                 int rfc7239)
{
    apr_array_header_t *entries = split_entries(p, header, rfc7239);
    const char *failure;

    if ((failure = entries_ok(p, header, entries, rfc7239))
        || (failure = resolve_fixed_policies(p, header, entries, rfc7239)))
        return failure;
    if (!newline)
        return NULL;
    return resolve_input_policy(p, fuzz_exact_string(p, data,
                                                     (size_t)(newline - data)),
                                header, entries, rfc7239);
}

const char *phs_check_client_ip(apr_pool_t *p, const char *data, size_t size)
{
    const char *newline = memchr(data, '\n', size);
    const char *header = newline ? newline + 1 : data, *failure;

    header = fuzz_exact_string(p, header, size - (size_t)(header - data));
    if ((failure = check_reading(p, data, newline, header, 0)))
        return failure;
    return check_reading(p, data, newline, header, 1);
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_client_ip, data, size);
}
#endif
