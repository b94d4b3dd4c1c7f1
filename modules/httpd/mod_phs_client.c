/* Who the client is, and what it must not send (post_read_request).
 * Only in a vhost where PostHogSecure On appears: elsewhere the module
 * changes nothing, the client address included. */
#include "mod_phs_client.h"
#include "mod_phs_request.h"
#include "mod_phs_backend.h"
#include "mod_phs_report.h"
#include "phs_signed_ip.h"

#include <http_core.h>
#include <http_log.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

/* ------------------------------------------------- the fields it knows */

/* What clients and proxies send to say who the client is and how it came:
 * with PostHogForwardedHeaders rewrite, none of it reaches the backend
 * from a client.  PostHog's capture service reads Fly-Client-IP. */
static const char *const forwarded_names[] = {
    "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
    "X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Ssl",
    "X-Forwarded-Scheme", "X-Forwarded-Protocol", "X-Url-Scheme",
    "Front-End-Https", "X-Real-IP", "Forwarded", "CF-Connecting-IP",
    "True-Client-IP", "X-Client-IP", "X-Cluster-Client-IP",
    "Fastly-Client-IP", "X-Original-Forwarded-For", "Client-IP",
    "Fly-Client-IP", "X-Envoy-External-Address",
};
#define FORWARDED_NAMES \
    ((int)(sizeof(forwarded_names) / sizeof(*forwarded_names)))

/* Removed whatever PostHogForwardedHeaders says: the signed client IP
 * only the module may send, and the fields through which frameworks let a
 * proxy override the path, which would route an exempt-looking request to
 * a restricted resource. */
static const char *const signed_ip_names[] = {
    PHS_CLIENT_IP_HEADER, PHS_CLIENT_IP_TIMESTAMP_HEADER,
    PHS_CLIENT_IP_SIGNATURE_HEADER,
};
static const char *const path_override_names[] = {
    "X-Original-URL", "X-Rewrite-URL", "X-Forwarded-Prefix",
    "X-Forwarded-Uri",
};
#define COUNT_OF(names) ((int)(sizeof(names) / sizeof(*(names))))

/* Every name below fits the list (a full one would drop a name, and a
 * forged header would pass), and every role fits the list's roles. */
typedef char fields_fit_the_list[3 + COUNT_OF(signed_ip_names)
                                 + COUNT_OF(path_override_names)
                                 + FORWARDED_NAMES + 2
                                 <= PHS_NAME_LIST_MAX ? 1 : -1];
typedef char roles_fit_the_list[PHS_FIELD_ROLES_END <= PHS_NAME_ROLE_LIMIT
                                ? 1 : -1];

void mod_phs_client_fields(phs_server_conf_t *conf)
{
    phs_name_list_t *fields = &conf->fields;
    unsigned always = PHS_FIELD_STRIP | PHS_FIELD_GUARDED;
    unsigned forwarded = PHS_FIELD_GUARDED
                         | (conf->forwarded_headers != 0 ? PHS_FIELD_STRIP
                                                         : 0);

    phs_name_list_init(fields);
    phs_name_list_add_exact(fields, conf->client_ip_header,
                            PHS_FIELD_CLIENT_IP);
    phs_name_list_add_exact(fields, conf->proto_header, PHS_FIELD_PROTO);
    phs_name_list_add_exact(fields, "Upgrade", PHS_FIELD_UPGRADE);
    phs_name_list_add(fields, signed_ip_names, COUNT_OF(signed_ip_names),
                      always | PHS_FIELD_SIGNED_IP);
    phs_name_list_add(fields, path_override_names,
                      COUNT_OF(path_override_names), always);
    phs_name_list_add(fields, forwarded_names, FORWARDED_NAMES, forwarded);
    /* PostHogClientIPHeader and PostHogForwardedProtoHeader may name
     * others (X-Real-Client): inputs, never passed on with rewrite, in any
     * spelling. */
    phs_name_list_add(fields, &conf->client_ip_header, 1, forwarded);
    phs_name_list_add(fields, &conf->proto_header, 1, forwarded);
    if (conf->forwarded_headers != 0) {
        phs_name_list_add_exact(fields, PHS_SENT_FOR, PHS_FIELD_SENT_FOR);
        phs_name_list_add_exact(fields, PHS_SENT_REAL_IP,
                                PHS_FIELD_SENT_REAL_IP);
        phs_name_list_add_exact(fields, PHS_SENT_PROTO, PHS_FIELD_SENT_PROTO);
    }
}

/* ------------------------------------------------ reading the request */

/* What the request says about its client, found in one pass over its
 * fields: the client-IP header (its lines joined, as apr_table_getm), the
 * proto header's first line, whether it asks for an Upgrade, and the names
 * and roles of the fields that must go (the first STRIP_MAX; more, a
 * hostile request, and they are looked for again by role).  The three the
 * module sends are not among them: they get its values in place (`sent`
 * says which of them the request has). */
#define STRIP_MAX 8
typedef struct {
    const char *client_ip;
    const char *proto;
    int upgrade;
    unsigned sent;
    int strip_count;
    const char *strip[STRIP_MAX];
    unsigned strip_roles[STRIP_MAX];
} client_fields_t;

static void read_fields(request_rec *r, const phs_server_conf_t *conf,
                        client_fields_t *out)
{
    const apr_array_header_t *fields = apr_table_elts(r->headers_in);
    const apr_table_entry_t *field = (const apr_table_entry_t *)fields->elts;
    int i, lines = 0;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < fields->nelts; i++) {
        unsigned roles;

        if (!field[i].key
            || !(roles = phs_name_list_roles(&conf->fields, field[i].key)))
            continue;
        if ((roles & PHS_FIELD_CLIENT_IP) && lines++ == 0)
            out->client_ip = field[i].val;
        if ((roles & PHS_FIELD_PROTO) && !out->proto)
            out->proto = field[i].val;
        if (roles & PHS_FIELD_UPGRADE)
            out->upgrade = 1;
        out->sent |= roles & PHS_FIELD_SENT;
        if ((roles & PHS_FIELD_STRIP) && !(roles & PHS_FIELD_SENT)
            && out->strip_count++ < STRIP_MAX) {
            out->strip[out->strip_count - 1] = field[i].key;
            out->strip_roles[out->strip_count - 1] = roles;
        }
    }
    if (lines > 1)
        out->client_ip = apr_table_getm(r->pool, r->headers_in,
                                        conf->client_ip_header);
}

/* The proto header's first value is "https". */
static int proto_says_https(const char *value)
{
    if (!value)
        return 0;
    while (*value == ' ' || *value == '\t')
        value++;
    return !strncasecmp(value, "https", 5)
           && (value[5] == '\0' || value[5] == ',' || value[5] == ' '
               || value[5] == '\t');
}

/* ------------------------------------------------------ the client */

apr_sockaddr_t *mod_phs_client_sockaddr(apr_pool_t *p, const phs_ip_t *ip,
                                        const char *text, apr_port_t port)
{
    apr_sockaddr_t *addr = apr_pcalloc(p, sizeof(*addr));
    unsigned char *bytes;
    int i;

    addr->pool = p;
    addr->port = port;
    if (phs_ip_is_v4(ip)) {
        bytes = (unsigned char *)&addr->sa.sin.sin_addr;
        for (i = 0; i < 4; i++)             /* network order */
            bytes[i] = (unsigned char)(ip->lo >> (24 - 8 * i));
        addr->family = addr->sa.sin.sin_family = APR_INET;
        addr->sa.sin.sin_port = htons(port);
        addr->salen = sizeof(struct sockaddr_in);
        addr->addr_str_len = 16;
        addr->ipaddr_ptr = &addr->sa.sin.sin_addr;
        addr->ipaddr_len = sizeof(struct in_addr);
    }
    else {
#if APR_HAVE_IPV6
        bytes = addr->sa.sin6.sin6_addr.s6_addr;
        for (i = 0; i < 8; i++) {
            bytes[i] = (unsigned char)(ip->hi >> (56 - 8 * i));
            bytes[i + 8] = (unsigned char)(ip->lo >> (56 - 8 * i));
        }
        addr->family = addr->sa.sin6.sin6_family = APR_INET6;
        addr->sa.sin6.sin6_port = htons(port);
        addr->salen = sizeof(struct sockaddr_in6);
        addr->addr_str_len = 46;
        addr->ipaddr_ptr = &addr->sa.sin6.sin6_addr;
        addr->ipaddr_len = sizeof(struct in6_addr);
#else
        return NULL;
#endif
    }
    addr->hostname = apr_pstrdup(p, text);
    return addr;
}

/* Makes the resolved client the request's client, as mod_remoteip does
 * (with the peer's port, as mod_remoteip keeps it); 0 if its address
 * cannot be built. */
static int use_client(request_rec *r, const phs_server_conf_t *conf,
                      const phs_client_t *client)
{
    apr_port_t port = r->useragent_addr ? r->useragent_addr->port : 0;
    apr_sockaddr_t *addr = mod_phs_client_sockaddr(r->pool, &client->client,
                                                   client->client_text, port);

    if (!addr)
        return 0;
    r->useragent_addr = addr;
    r->useragent_ip = addr->hostname;
    /* With PostHogForwardedHeaders keep, as mod_remoteip leaves it: the
     * untrusted remainder; with rewrite the header goes altogether. */
    if (conf->forwarded_headers == 0 && client->remainder)
        apr_table_setn(r->headers_in, conf->client_ip_header,
                       client->remainder);
    else if (conf->forwarded_headers == 0)
        apr_table_unset(r->headers_in, conf->client_ip_header);
    apr_table_setn(r->notes, PHS_PROXY_IPS_NOTE, client->proxies);
    return 1;
}

/* The walk, from httpd's client address as it stands after mod_remoteip
 * (which sets it from the PROXY protocol: an AWS NLB, many Kubernetes
 * ingresses; without mod_remoteip it is the TCP peer). */
static void resolve(request_rec *r, const phs_server_conf_t *conf,
                    const client_fields_t *fields, phs_request_t *state)
{
    apr_sockaddr_t *start = r->useragent_addr;
    phs_client_t client;
    phs_ip_t peer;

    if (!start || !phs_ip_from_sockaddr(start, &peer))
        return;
    state->peer_ip = r->useragent_ip;
    /* httpd's text of an IPv4 address is already the canonical dotted
     * quad. */
    phs_client_resolve(r->pool, &conf->trust, &peer,
                       start->family == APR_INET ? r->useragent_ip : NULL,
                       fields->client_ip, &client);
    /* A client from the header means a trusted peer: no second lookup.
     * RFC 7239 carries the scheme in the client's own element. */
    if (client.source != PHS_CLIENT_PEER
        || phs_peer_trusted(&conf->trust, &peer))
        state->forwarded_https = conf->trust.rfc7239
                                 ? client.https
                                 : proto_says_https(fields->proto);
    if (client.source == PHS_CLIENT_FORWARDED && !use_client(r, conf, &client)) {
        client.source = PHS_CLIENT_UNKNOWN;
        client.reason = "gave an unusable address";
    }
    state->client_source = client.source;
    state->proxies = client.proxies;
    if (client.source == PHS_CLIENT_UNKNOWN) {
        state->client_unknown = 1;
        state->unknown_reason = apr_psprintf(r->pool, "client unknown: %s %s",
                                             conf->client_ip_header,
                                             client.reason);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "%s from peer %s; "
                      "restricted paths are denied", state->unknown_reason,
                      state->peer_ip);
    }
}

/* --------------------------------------------- what the client must not send */

/* The client's Connection header, without the tokens that name a field
 * the module reads, sets or removes: mod_proxy_http drops every field the
 * header names as hop-by-hop, after the fixups set the module's
 * (CVE-2022-31813 class).  httpd has joined its lines into one field (and
 * HTTP/2 has none).  Nothing is allocated unless a token goes. */
static void drop_guarded_tokens(request_rec *r, const phs_name_list_t *list)
{
    const char *value = apr_table_get(r->headers_in, "Connection");
    const char *c = value, *kept = NULL;
    int dropped = 0;

    while (c && *c) {
        const char *end = strchr(c, ',');
        phs_span_t token = phs_span_trimmed(c, end ? end : c + strlen(c));
        char name[PHS_NAME_LENGTH_MAX + 1];
        const char *key = name;

        if (token.len < sizeof(name)) {
            memcpy(name, token.start, token.len);
            name[token.len] = '\0';
        }
        else
            key = apr_pstrmemdup(r->pool, token.start, token.len);
        if (token.len
            && (phs_name_list_roles(list, key) & PHS_FIELD_GUARDED))
            dropped++;
        else if (token.len)
            kept = kept ? apr_pstrcat(r->pool, kept, ", ", key, NULL)
                        : apr_pstrmemdup(r->pool, token.start, token.len);
        c = end ? end + 1 : NULL;
    }
    if (!dropped)
        return;
    if (kept)
        apr_table_setn(r->headers_in, "Connection", kept);
    else
        apr_table_unset(r->headers_in, "Connection");
}

/* Removes the fields `found` names, or with NULL every field of the
 * request with the STRIP role; the signed-IP ones are counted (forged by
 * definition). */
static void strip(request_rec *r, const phs_server_conf_t *conf,
                  const client_fields_t *found)
{
    int i, removed = 0;

    if (!found || found->strip_count > STRIP_MAX)
        removed = phs_fields_remove(r->headers_in, &conf->fields,
                                    PHS_FIELD_STRIP, PHS_FIELD_SIGNED_IP);
    else
        for (i = 0; i < found->strip_count; i++) {
            int before = apr_table_elts(r->headers_in)->nelts;

            apr_table_unset(r->headers_in, found->strip[i]);
            if (found->strip_roles[i] & PHS_FIELD_SIGNED_IP)
                removed += before - apr_table_elts(r->headers_in)->nelts;
        }
    if (removed)
        mod_phs_count(r->server, PHS_COUNT_FORGED_HEADERS_REMOVED,
                      (apr_uint64_t)removed);
    drop_guarded_tokens(r, &conf->fields);
}

void mod_phs_client_strip_late(request_rec *r)
{
    strip(r, PHS_SERVER_CONF(r->server), NULL);
    mod_phs_backend_place(r, NULL);
}

/* Forged fields go in the whole vhost, before any location is known, so
 * that no PostHogSecure Off location passes them. */
int mod_phs_client_post_read_request(request_rec *r)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    client_fields_t fields;
    phs_request_t *state;

    if (conf->secure_somewhere != 1 || r->main || r->prev)
        return DECLINED;
    read_fields(r, conf, &fields);
    state = mod_phs_request_state(r);
    state->upgrade = fields.upgrade;
    state->forwarded_received = fields.client_ip;
    state->proto_received = fields.proto;
    if (conf->resolve)
        resolve(r, conf, &fields, state);
    strip(r, conf, &fields);
    mod_phs_backend_place(r, fields.strip_count > STRIP_MAX ? NULL
                             : &fields.sent);
    return DECLINED;
}
