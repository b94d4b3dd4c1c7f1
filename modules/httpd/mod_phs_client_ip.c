#include "mod_phs_client_ip.h"
#include "mod_phs_request.h"
#include "mod_phs_forwarded_headers.h"
#include "mod_phs_directive.h"
#include "mod_phs_startup.h"

#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_ssl.h>
#include <apr_strings.h>
#include <apr_lib.h>

APLOG_USE_MODULE(posthog_secure);

static phs_ip_set_t *server_proxies(cmd_parms *cmd)
{
    phs_server_conf_t *conf = PHS_SERVER_CONF(cmd->server);

    if (!conf->trusted_proxies)
        conf->trusted_proxies = phs_ip_set_make(cmd->pool);
    return conf->trusted_proxies;
}

const char *phs_cmd_trusted_proxies(cmd_parms *cmd, void *dconf,
                                    const char *word)
{
    (void)dconf;
    return phs_cmd_add_list(cmd, server_proxies(cmd), word);
}

const char *phs_cmd_trusted_proxies_file(cmd_parms *cmd, void *dconf,
                                         const char *path)
{
    (void)dconf;
    return phs_cmd_add_file(cmd, server_proxies(cmd), path);
}

static void warn(server_rec *s, const char *message)
{
    phs_startup_warn(s, apr_psprintf(s->process->pconf, "%s "
                                     "(vhost %s:%u)", message,
                                     s->server_hostname, s->port));
}

/* Derives what each vhost believes, once, and says what is risky.  Only
 * where PostHogSecure On appears: elsewhere the module changes nothing,
 * the client address included. */
static void derive_trust(apr_pool_t *p, server_rec *s,
                         phs_server_conf_t *conf)
{
    int hops = conf->proxy_hops > 0 ? conf->proxy_hops : 0;
    int trust_all = conf->trust_all == 1 && !hops;
    int any_trust = conf->trusted_proxies || trust_all || hops;

    if (!conf->client_ip_header)
        conf->client_ip_header = PHS_DEFAULT_CLIENT_IP_HEADER;
    if (!conf->proto_header)
        conf->proto_header = PHS_DEFAULT_PROTO_HEADER;
    conf->resolve = conf->secure_somewhere == 1 && any_trust
                    && conf->behind_proxy != 0;
    conf->trust.trusted = conf->trusted_proxies;
    conf->trust.trust_all = trust_all;
    conf->trust.hops = hops;
    conf->trust.rfc7239 = !strcasecmp(conf->client_ip_header, "Forwarded");
    phs_forwarded_headers_fields(conf);
    if (conf->secure_somewhere != 1)
        return;
    if (conf->behind_proxy == 1 && !any_trust)
        warn(s, "PostHogBehindProxy On without PostHogTrustedProxies, "
             "PostHogProxyHops or PostHogTrustAllProxies: forwarded headers "
             "are ignored");
    if (conf->trust_all == 1 && hops)
        warn(s, "PostHogProxyHops overrides PostHogTrustAllProxies");
    else if (trust_all && conf->resolve)
        warn(s, apr_psprintf(p, "PostHogTrustAllProxies On "
             "takes the leftmost %s entry, which any client can forge unless "
             "every request passes a proxy that overwrites the header; "
             "PostHogProxyHops is the safe choice", conf->client_ip_header));
}

/* mod_remoteip consumes its header before this module walks it: the walk
 * would then start from an address the header gave, trusted twice. */
static const char *remoteip_conflict(apr_pool_t *p, server_rec *s,
                                     const phs_server_conf_t *conf)
{
    const ap_directive_t *header;

    if (!conf->resolve || !ap_find_linked_module("mod_remoteip.c"))
        return NULL;
    header = phs_tree_setting(p, s, "RemoteIPHeader");
    if (!header || strcasecmp(phs_tree_argument(p, header),
                              conf->client_ip_header))
        return NULL;
    return apr_psprintf(p, "RemoteIPHeader (%s:%d) and PostHogClientIPHeader "
                        "both name %s in vhost %s:%u: the client address "
                        "would be read from it twice. Keep one: this "
                        "module's trust directives, or mod_remoteip's (and "
                        "mod_remoteip alone for RemoteIPProxyProtocol)",
                        header->filename, header->line_num,
                        conf->client_ip_header, s->server_hostname, s->port);
}

/* One field cannot say both who the client is and how it came. */
static const char *header_conflict(apr_pool_t *p, server_rec *s,
                                   const phs_server_conf_t *conf)
{
    if (conf->secure_somewhere != 1
        || !phs_field_is(conf->client_ip_header, conf->proto_header))
        return NULL;
    return apr_psprintf(p, "PostHogClientIPHeader and "
                        "PostHogForwardedProtoHeader both name '%s' in vhost "
                        "%s:%u: the scheme would be read from the client "
                        "address header; name the header your proxy sets "
                        "for each", conf->proto_header, s->server_hostname,
                        s->port);
}

int phs_client_ip_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    const char *err;

    (void)pconf;
    (void)plog;
    for (; s; s = s->next) {
        derive_trust(ptemp, s, PHS_SERVER_CONF(s));
        if ((err = header_conflict(ptemp, s, PHS_SERVER_CONF(s)))
            || (err = remoteip_conflict(ptemp, s, PHS_SERVER_CONF(s)))) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                         "%s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* The proto header's first value is "https". */
static int proto_says_https(const char *value)
{
    if (!value)
        return 0;
    while (*value == ' ' || *value == '\t')
        value++;
    return (value[0] | 0x20) == 'h' && (value[1] | 0x20) == 't'
           && (value[2] | 0x20) == 't' && (value[3] | 0x20) == 'p'
           && (value[4] | 0x20) == 's'
           && (value[5] == '\0' || value[5] == ',' || value[5] == ' '
               || value[5] == '\t');
}

/* The address as apr_sockaddr_info_get() would build it from its text
 * (AF_INET for IPv4 and IPv4-mapped, else AF_INET6; port 0; hostname the
 * text), without the resolver round trip.  NULL without IPv6 support. */
static apr_sockaddr_t *client_sockaddr(apr_pool_t *p, const phs_ip_t *ip,
                                       char *text)
{
    apr_sockaddr_t *addr = apr_pcalloc(p, sizeof(*addr));

    addr->pool = p;
    if (phs_ip_is_v4(ip)) {
        apr_uint32_t v4 = (apr_uint32_t)ip->lo;
        unsigned char *bytes = (unsigned char *)&addr->sa.sin.sin_addr;

        bytes[0] = (unsigned char)(v4 >> 24);       /* network order */
        bytes[1] = (unsigned char)(v4 >> 16);
        bytes[2] = (unsigned char)(v4 >> 8);
        bytes[3] = (unsigned char)v4;
        addr->family = APR_INET;
        addr->sa.sin.sin_family = APR_INET;
        addr->salen = sizeof(struct sockaddr_in);
        addr->addr_str_len = 16;
        addr->ipaddr_ptr = &addr->sa.sin.sin_addr;
        addr->ipaddr_len = sizeof(struct in_addr);
    }
    else {
#if APR_HAVE_IPV6
        unsigned char *bytes = addr->sa.sin6.sin6_addr.s6_addr;
        int i;

        for (i = 0; i < 8; i++) {
            bytes[i] = (unsigned char)(ip->hi >> (56 - 8 * i));
            bytes[i + 8] = (unsigned char)(ip->lo >> (56 - 8 * i));
        }
        addr->family = APR_INET6;
        addr->sa.sin6.sin6_family = APR_INET6;
        addr->salen = sizeof(struct sockaddr_in6);
        addr->addr_str_len = 46;
        addr->ipaddr_ptr = &addr->sa.sin6.sin6_addr;
        addr->ipaddr_len = sizeof(struct in6_addr);
#else
        return NULL;
#endif
    }
    addr->hostname = text;
    return addr;
}

/* Makes the resolved client the request's client, as mod_remoteip does;
 * 0 if its address cannot be built. */
static int use_client(request_rec *r, const phs_server_conf_t *conf,
                      const phs_client_t *client)
{
    const char *header = conf->client_ip_header;
    apr_sockaddr_t *addr = client_sockaddr(r->pool, &client->client,
                                           (char *)client->client_text);

    if (!addr)
        return 0;
    r->useragent_addr = addr;
    /* httpd's fields are not const; nothing writes through them. */
    r->useragent_ip = (char *)client->client_text;
    /* With PostHogForwardedHeaders keep, as mod_remoteip leaves it: the
     * untrusted remainder; with rewrite the header goes altogether. */
    if (conf->forwarded_headers == 0 && client->remainder)
        apr_table_setn(r->headers_in, header, client->remainder);
    else if (conf->forwarded_headers == 0)
        apr_table_unset(r->headers_in, header);
    /* Once per request (post_read_request), so never there before. */
    apr_table_addn(r->notes, PHS_PROXY_IPS_NOTE, client->proxies);
    return 1;
}

/* What the request says about its client, found in one pass over its
 * fields: the client-IP header (its lines joined, as apr_table_getm), the
 * proto header's first line, and the fields that must go. */
typedef struct {
    const char *client_ip;
    const char *proto;
    int upgrade;                /* for mod_phs_raw_response */
    phs_strip_fields_t strip;
} client_fields_t;

static void read_fields(request_rec *r, const phs_server_conf_t *conf,
                        client_fields_t *out)
{
    const apr_array_header_t *fields = apr_table_elts(r->headers_in);
    const apr_table_entry_t *field = (const apr_table_entry_t *)fields->elts;
    int i, lines = 0;

    out->client_ip = out->proto = NULL;
    out->upgrade = out->strip.count = 0;
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
        if (roles & PHS_FIELD_STRIP) {
            phs_strip_fields_t *strip = &out->strip;

            if (strip->count < PHS_STRIP_FIELDS_MAX)
                strip->key[strip->count] = field[i].key;
            strip->count++;
        }
    }
    if (lines > 1)
        out->client_ip = apr_table_getm(r->pool, r->headers_in,
                                        conf->client_ip_header);
}

/* The walk, from httpd's client address as it stands after mod_remoteip
 * (which sets it from the PROXY protocol: an AWS NLB, many Kubernetes
 * ingresses; without mod_remoteip it is the TCP peer). */
static void resolve(request_rec *r, const phs_server_conf_t *conf,
                    const client_fields_t *fields)
{
    const char *header = conf->client_ip_header;
    apr_sockaddr_t *start = r->useragent_addr;
    phs_request_t *state;
    phs_client_t client;
    phs_ip_t peer;

    if (!start || !phs_ip_from_sockaddr(start, &peer))
        return;
    state = phs_request_state(r);
    state->peer_ip = r->useragent_ip;
    state->forwarded_received = fields->client_ip;
    state->proto_received = fields->proto;
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
                                             header, client.reason);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "%s "
                      "from peer %s; restricted paths are denied",
                      state->unknown_reason, state->peer_ip);
    }
}

/* Only where PostHogSecure On appears in the vhost: elsewhere the module
 * changes nothing.  Forged headers go in the whole vhost, before any
 * location is known, so that no PostHogSecure Off location passes them. */
int phs_client_ip_resolve(request_rec *r)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    client_fields_t fields;

    if (conf->secure_somewhere != 1 || r->main || r->prev)
        return DECLINED;
    read_fields(r, conf, &fields);
    if (fields.upgrade)
        phs_request_state(r)->upgrade = 1;
    if (conf->resolve)
        resolve(r, conf, &fields);
    else {
        /* What the module ignores, for whoami. */
        phs_request_t *state = phs_request_state(r);

        state->forwarded_received = fields.client_ip;
        state->proto_received = fields.proto;
    }
    phs_forwarded_headers_strip(r, &fields.strip);
    return DECLINED;
}
