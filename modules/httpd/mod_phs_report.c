/* What the module tells its operators: the counters, the two pages, and
 * each client request's verdict counted once. */
#include "mod_phs_report.h"
#include "mod_phs_request.h"
#include "mod_phs_access.h"
#include "phs_whoami.h"

#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <http_ssl.h>
#include <ap_listen.h>
#include <apr_hash.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <mod_status.h>

APLOG_USE_MODULE(posthog_secure);

/* ------------------------------------------------------------ counters */

/* This configuration's counters, made at post_config in the parent and
 * inherited by the children it forks; a restart (graceful too) makes new
 * ones, from zero. */
static phs_counters_t *counters;
static apr_array_header_t *vhost_labels;    /* a label per record */
static apr_time_t counting_since;

/* "name:port"; the port of the ServerName, else of the vhost's first
 * address, else (the main server) of the first Listen. */
static const char *vhost_label(apr_pool_t *p, const server_rec *s)
{
    unsigned port = s->port ? s->port
                    : s->addrs && s->addrs->host_port ? s->addrs->host_port
                    : ap_listeners ? ap_listeners->bind_addr->port : 0;

    return apr_psprintf(p, "%s:%u", s->server_hostname, port);
}

/* Each vhost's record, by label: vhosts of one name:port share one. */
static int assign_records(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *by_label = apr_hash_make(ptemp);

    vhost_labels = apr_array_make(pconf, 4, sizeof(const char *));
    for (; s; s = s->next) {
        phs_server_conf_t *conf = PHS_SERVER_CONF(s);
        const char *label;
        int *slot;

        conf->counters_slot = -1;
        if (conf->secure_somewhere != 1)
            continue;
        label = vhost_label(pconf, s);
        if (!(slot = apr_hash_get(by_label, label, APR_HASH_KEY_STRING))) {
            slot = apr_palloc(pconf, sizeof(*slot));
            *slot = vhost_labels->nelts;
            APR_ARRAY_PUSH(vhost_labels, const char *) = label;
            apr_hash_set(by_label, label, APR_HASH_KEY_STRING, slot);
        }
        conf->counters_slot = *slot;
    }
    return vhost_labels->nelts;
}

int mod_phs_report_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                               server_rec *s)
{
    apr_size_t size;
    apr_shm_t *shm;
    apr_status_t rv;
    int records;

    counters = NULL;
    counting_since = apr_time_now();
    if (!(records = assign_records(pconf, ptemp, s)))
        return OK;
    size = (apr_size_t)records * sizeof(phs_counters_t);
    /* Anonymous: nothing on disk to clean up after a crash. */
    if ((rv = apr_shm_create(&shm, size, NULL, pconf)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, rv, s,
                     "cannot create the shared memory of the counters "
                     "(%" APR_SIZE_T_FMT " bytes)", size);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    counters = apr_shm_baseaddr_get(shm);
    memset(counters, 0, size);
    return OK;
}

void mod_phs_count(const server_rec *s, phs_counter_t which, apr_uint64_t n)
{
    int slot = PHS_SERVER_CONF(s)->counters_slot;

    if (slot >= 0 && counters)
        phs_counters_add(&counters[slot], which, n);
}

int mod_phs_report_log_transaction(request_rec *r)
{
    const phs_request_t *counted = NULL;
    const request_rec *each;

    for (each = r; each; each = each->next) {
        const phs_request_t *state = mod_phs_request_state_of(each);

        if (!state || !state->access)
            continue;
        if (!counted || state->refused)
            counted = state;
        if (state->refused)
            break;
    }
    if (counted)
        mod_phs_count(r->server, counted->counter, 1);
    return DECLINED;
}

/* A snapshot of every record. */
static phs_counters_row_t *read_rows(apr_pool_t *p, int *n)
{
    phs_counters_row_t *rows;
    int i;

    *n = counters ? vhost_labels->nelts : 0;
    rows = apr_pcalloc(p, sizeof(*rows) * (*n ? *n : 1));
    for (i = 0; i < *n; i++) {
        rows[i].vhost = APR_ARRAY_IDX(vhost_labels, i, const char *);
        phs_counters_read(&counters[i], &rows[i]);
    }
    return rows;
}

/* ?auto: "PostHogSecure NAME:PORT COUNTER: N" lines. */
static void status_short(request_rec *r, const phs_counters_row_t *rows,
                         int n)
{
    int i, c;

    for (i = 0; i < n; i++)
        for (c = 0; c < PHS_COUNTERS; c++)
            ap_rprintf(r, "PostHogSecure %s %s: %" APR_UINT64_T_FMT "\n",
                       rows[i].vhost, phs_counter_name(c), rows[i].count[c]);
}

static void status_html(request_rec *r, const phs_counters_row_t *rows,
                        int n)
{
    char since[APR_CTIME_LEN];
    int i, c;

    apr_ctime(since, counting_since);
    ap_rprintf(r, "<hr />\n<h2>mod_posthog_secure</h2>\n<p>Counting since "
               "%s (httpd's start or last restart)</p>\n<table border=\"0\">"
               "<tr><th>vhost</th>", since);
    for (c = 0; c < PHS_COUNTERS; c++)
        ap_rprintf(r, "<th>%s</th>", phs_counter_name(c));
    ap_rputs("</tr>\n", r);
    for (i = 0; i < n; i++) {
        ap_rprintf(r, "<tr><td>%s</td>", ap_escape_html(r->pool,
                                                         rows[i].vhost));
        for (c = 0; c < PHS_COUNTERS; c++)
            ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>", rows[i].count[c]);
        ap_rputs("</tr>\n", r);
    }
    ap_rputs("</table>\n", r);
}

int mod_phs_report_status(request_rec *r, int flags)
{
    int n;
    phs_counters_row_t *rows = read_rows(r->pool, &n);

    if (flags & AP_STATUS_SHORT)
        status_short(r, rows, n);
    else
        status_html(r, rows, n);
    return OK;
}

/* -------------------------------------------------------- whoami's JSON */

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
    const phs_request_t *state = mod_phs_client_state(r);
    phs_ip_t peer;
    int trusted = conf->resolve && state->peer_ip
                  && phs_ip_parse(state->peer_ip, strlen(state->peer_ip), &peer)
                  && phs_peer_trusted(&conf->trust, &peer);

    phs_json_string(json, "connection_peer", r->connection->client_ip);
    phs_json_string(json, "peer", mod_phs_peer_ip(r));
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
    const phs_request_t *state = mod_phs_client_state(r);
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
    phs_json_bool(json, "https", mod_phs_request_is_https(r));
    phs_json_string(json, "https_reason", reason);
}

static void describe_country(request_rec *r, phs_json_t *json)
{
    const char *country = mod_phs_geoip_client_country(r);

    if (country)
        phs_json_string(json, "country", *country ? country : NULL);
}

/* The path's verdict, from a subrequest decided as any request_rec is
 * (its location's configuration, the requester's client), never run. */
static void describe_verdict(request_rec *r, const char *path,
                             phs_json_t *json)
{
    const phs_request_t *state = mod_phs_request_state(r);
    request_rec *sub = NULL;

    if (path) {
        mod_phs_request_state(r)->probing = 1;
        sub = ap_sub_req_lookup_uri(path, r, NULL);
        state = mod_phs_request_state_of(sub);
    }
    phs_json_string(json, "path", sub ? sub->uri : r->uri);
    phs_json_string(json, "verdict", state && state->access ? state->access
                                     : NULL);
    if (state && state->would_deny)
        phs_json_string(json, "reason", apr_psprintf(r->pool, "would be "
                        "denied: %s", state->denial));
    else if (state && state->access && state->held_denial)
        phs_json_string(json, "reason", apr_psprintf(r->pool, "answered here "
                        "only, refused elsewhere: %s", state->held_denial));
    else if (state && state->access)
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
    mod_phs_request_state(r)->probing = 0;
}

/* ------------------------------------------------------------ the pages */

/* A page the module makes itself: GET (and HEAD) only, never cached. */
static int send_page(request_rec *r, const char *type, const char *text)
{
    ap_set_content_type(r, type);
    ap_set_content_length(r, (apr_off_t)strlen(text));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    if (!r->header_only)
        ap_rputs(text, r);
    return OK;
}

static int serve_metrics(request_rec *r)
{
    int n;
    phs_counters_row_t *rows = read_rows(r->pool, &n);

    return send_page(r, "text/plain; version=0.0.4; charset=utf-8",
                     phs_metrics_prometheus(r->pool, rows, n,
                                            counting_since));
}

static int serve_whoami(request_rec *r)
{
    const char *path = query_path(r);
    phs_json_t *json;

    if (path && (*path != '/' || strlen(path) > PATH_MAX_LEN))
        return HTTP_BAD_REQUEST;
    json = phs_json_make(r->pool);
    describe_client(r, json);
    describe_https(r, json);
    describe_country(r, json);
    describe_verdict(r, path, json);
    return send_page(r, "application/json", phs_json_text(json));
}

int mod_phs_report_handler(request_rec *r)
{
    int metrics = mod_phs_handler_is(r, PHS_METRICS_HANDLER);

    if (!metrics && !mod_phs_handler_is(r, PHS_WHOAMI_HANDLER))
        return DECLINED;
    r->allowed |= AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    return metrics ? serve_metrics(r) : serve_whoami(r);
}
