#include "mod_phs_whoami.h"
#include "mod_phs_request.h"
#include "mod_phs_region.h"
#include "phs_whoami.h"

#include <http_protocol.h>
#include <http_request.h>
#include <http_ssl.h>
#include <apr_strings.h>

/* The longest path asked about: a request line's worth. */
#define PATH_MAX_LEN 8190

static const char *const source_names[] = { "peer", "forwarded", "unknown" };

/* `path=` of the query, as it would stand in a request line (still
 * percent-encoded: the subrequest decodes it as httpd decodes requests);
 * NULL when absent. */
static const char *query_path(request_rec *r)
{
    const char *c = r->args;

    while (c && *c) {
        const char *end = strchr(c, '&');

        if (!strncmp(c, "path=", 5))
            return end ? apr_pstrmemdup(r->pool, c + 5, (apr_size_t)(end - c - 5))
                       : c + 5;
        c = end ? end + 1 : NULL;
    }
    return NULL;
}

static const char *client_reason(request_rec *r, const phs_server_conf_t *conf,
                                 const phs_request_t *state)
{
    phs_ip_t peer;

    if (!conf->resolve)
        return "forwarded headers are not used in this vhost (no "
               "PostHogTrustedProxies, PostHogProxyHops or "
               "PostHogTrustAllProxies, or PostHogBehindProxy Off): the peer "
               "is the client";
    if (state->client_source == PHS_CLIENT_UNKNOWN)
        return state->unknown_reason;
    if (state->client_source == PHS_CLIENT_FORWARDED)
        return conf->trust.hops
               ? apr_psprintf(r->pool, "entry %d from the right of %s "
                              "(PostHogProxyHops)", conf->trust.hops,
                              conf->client_ip_header)
               : conf->trust.trust_all
               ? apr_psprintf(r->pool, "the leftmost entry of %s "
                              "(PostHogTrustAllProxies)", conf->client_ip_header)
               : apr_psprintf(r->pool, "the first entry of %s, from the "
                              "right, not sent by a trusted proxy (or the "
                              "leftmost when all were)", conf->client_ip_header);
    if (state->peer_ip && phs_ip_parse(state->peer_ip, strlen(state->peer_ip),
                                       &peer)
        && !phs_peer_trusted(&conf->trust, &peer))
        return "the peer is not a trusted proxy: its forwarded headers are "
               "ignored";
    return apr_psprintf(r->pool, "the trusted peer sent no %s",
                        conf->client_ip_header);
}

static void describe_client(request_rec *r, phs_json_t *json)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    const phs_request_t *state = phs_client_state(r);
    phs_ip_t peer;
    int trusted = conf->resolve && state->peer_ip
                  && phs_ip_parse(state->peer_ip, strlen(state->peer_ip), &peer)
                  && phs_peer_trusted(&conf->trust, &peer);

    phs_json_string(json, "connection_peer", r->connection->client_ip);
    phs_json_string(json, "peer", phs_peer_ip(r));
    phs_json_bool(json, "peer_trusted", trusted);
    phs_json_string(json, "client_ip_header", conf->client_ip_header);
    phs_json_string(json, "client_ip_header_received",
                    state->forwarded_received);
    phs_json_list(json, "trusted_hops", state->proxies);
    phs_json_string(json, "client", state->client_unknown ? NULL
                                    : r->useragent_ip);
    phs_json_string(json, "client_source", conf->resolve
                    ? source_names[state->client_source] : "peer");
    phs_json_string(json, "client_reason", client_reason(r, conf, state));
}

static void describe_https(request_rec *r, phs_json_t *json)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    const phs_request_t *state = phs_client_state(r);
    const char *reason;

    if (ap_ssl_conn_is_ssl(r->connection))
        reason = "TLS on the connection";
    else if (state->forwarded_https)
        reason = apr_psprintf(r->pool, "%s from a trusted proxy says https",
                              conf->trust.rfc7239 ? "Forwarded proto="
                              : conf->proto_header);
    else if (state->proto_received)
        reason = apr_psprintf(r->pool, "plain HTTP: %s is believed from "
                              "trusted proxies only", conf->proto_header);
    else
        reason = "plain HTTP";
    phs_json_string(json, "forwarded_proto_header", conf->proto_header);
    phs_json_string(json, "forwarded_proto_received", state->proto_received);
    phs_json_bool(json, "https", phs_request_is_https(r));
    phs_json_string(json, "https_reason", reason);
}

static void describe_country(request_rec *r, phs_json_t *json)
{
    phs_ip_t client;
    char country[3];

    if (!PHS_SERVER_CONF(r->server)->geoip)
        return;
    phs_json_string(json, "country",
                    !phs_client_state(r)->client_unknown && r->useragent_addr
                    && phs_ip_from_sockaddr(r->useragent_addr, &client)
                    && phs_region_country(r, &client, country) == 1
                    ? apr_pstrdup(r->pool, country) : NULL);
}

/* The path's verdict, from a subrequest decided as any request_rec is
 * (its location's configuration, the requester's client), never run. */
static void describe_verdict(request_rec *r, const char *path,
                             phs_json_t *json)
{
    const phs_request_t *state = phs_request_state(r);
    request_rec *sub = NULL;

    if (path) {
        phs_request_state(r)->probing = 1;
        sub = ap_sub_req_lookup_uri(path, r, NULL);
        state = ap_get_module_config(sub->request_config,
                                     &posthog_secure_module);
    }
    phs_json_string(json, "path", sub ? sub->uri : r->uri);
    phs_json_string(json, "verdict", state && state->access ? state->access
                                     : NULL);
    if (state && state->access)
        phs_json_string(json, "reason", state->denial);
    else if (sub && ap_is_HTTP_ERROR(sub->status))
        phs_json_string(json, "reason", apr_psprintf(r->pool, "httpd "
                        "refused the path before the access check (%d)",
                        sub->status));
    else
        phs_json_string(json, "reason", "PostHogSecure is not On for this "
                        "path");
    if (sub)
        ap_destroy_sub_req(sub);
    phs_request_state(r)->probing = 0;
}

PHS_NOINLINE
static int serve_whoami(request_rec *r)
{
    const char *path, *text;
    phs_json_t *json;

    r->allowed |= AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    path = query_path(r);
    if (path && (*path != '/' || strlen(path) > PATH_MAX_LEN))
        return HTTP_BAD_REQUEST;
    json = phs_json_make(r->pool);
    describe_client(r, json);
    describe_https(r, json);
    describe_country(r, json);
    describe_verdict(r, path, json);
    text = phs_json_text(json);
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    if (!r->header_only)
        ap_rputs(text, r);
    return OK;
}

int phs_whoami_handler(request_rec *r)
{
    return phs_handler_is(r, PHS_WHOAMI_HANDLER) ? serve_whoami(r)
                                                 : DECLINED;
}
