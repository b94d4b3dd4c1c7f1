#include "mod_phs_forwarded_headers.h"
#include "mod_phs_metrics.h"
#include "mod_phs_request.h"
#include "mod_phs_client_ip.h"
#include "mod_phs_directive.h"
#include "phs_text.h"
#include "phs_signed_ip.h"

#include <http_request.h>
#include <mod_proxy.h>
#include <apr_strings.h>

/* What clients and proxies send to say who the client is and how it came:
 * none of it reaches the backend from a client. */
static const char *const forwarded_names[] = {
    "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
    "X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Ssl",
    "X-Forwarded-Scheme", "X-Forwarded-Protocol", "X-Url-Scheme",
    "Front-End-Https", "X-Real-IP", "Forwarded", "CF-Connecting-IP",
    "True-Client-IP", "X-Client-IP", "X-Cluster-Client-IP",
    "Fastly-Client-IP", "X-Original-Forwarded-For", "Client-IP",
};
#define FORWARDED_NAMES \
    ((int)(sizeof(forwarded_names) / sizeof(*forwarded_names)))

/* The fields the module sends, by PHS_FIELD_SENT_* bit order, and the
 * values of the proto one.  Their addresses mark the module's own: a field
 * with one of these keys and the value it was given is still the one the
 * module placed. */
static const char *const sent_names[] = {
    "X-Forwarded-For", "X-Real-IP", "X-Forwarded-Proto"
};
#define SENT_FIELDS 3
#define SENT_ROLE(n) (PHS_FIELD_SENT_FOR << (n))
static const char PROTO_HTTPS[] = "https", PROTO_HTTP[] = "http";

/* Removed from every request of a vhost where PostHogSecure On appears:
 * only the module may send them. */
static const char *const signed_ip_names[] = {
    PHS_CLIENT_IP_HEADER, PHS_CLIENT_IP_TIMESTAMP_HEADER,
    PHS_CLIENT_IP_SIGNATURE_HEADER
};
#define SIGNED_IP_NAMES \
    ((int)(sizeof(signed_ip_names) / sizeof(*signed_ip_names)))

/* mod_proxy's record, found once: its per-directory ProxyAddHeaders says
 * whether mod_proxy adds X-Forwarded-For itself. */
static module *proxy_module_found;

const char *phs_cmd_forwarded_headers(cmd_parms *cmd, void *dconf,
                                      const char *value)
{
    (void)dconf;
    if (!strcasecmp(value, "rewrite") || !strcasecmp(value, "keep")) {
        PHS_SERVER_CONF(cmd->server)->forwarded_headers =
            !strcasecmp(value, "rewrite");
        return NULL;
    }
    return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                         "rewrite or keep", value));
}

int phs_forwarded_headers_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                    apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    (void)s;
    proxy_module_found = ap_find_linked_module("mod_proxy.c");
    return OK;
}

/* Every name below fits the list (a full one would drop a name, and a
 * forged header would pass): the client-IP, proto and Upgrade names, the
 * signed-IP and forwarded ones, the two header directives'. */
typedef char fields_fit_the_list[3 + SIGNED_IP_NAMES + FORWARDED_NAMES + 2
                                 <= PHS_NAME_LIST_MAX ? 1 : -1];

void phs_forwarded_headers_fields(phs_server_conf_t *conf)
{
    phs_name_list_t *fields = &conf->fields;
    int n;

    phs_name_list_init(fields);
    phs_name_list_add_exact(fields, conf->client_ip_header,
                            PHS_FIELD_CLIENT_IP);
    phs_name_list_add_exact(fields, conf->proto_header, PHS_FIELD_PROTO);
    phs_name_list_add_exact(fields, "Upgrade", PHS_FIELD_UPGRADE);
    phs_name_list_add(fields, signed_ip_names, SIGNED_IP_NAMES,
                      PHS_FIELD_STRIP | PHS_FIELD_SIGNED_IP);
    if (conf->forwarded_headers == 0)
        return;
    phs_name_list_add(fields, forwarded_names, FORWARDED_NAMES,
                      PHS_FIELD_STRIP);
    for (n = 0; n < SENT_FIELDS; n++)
        phs_name_list_add_exact(fields, sent_names[n], SENT_ROLE(n));
    /* PostHogClientIPHeader and PostHogForwardedProtoHeader may name
     * others (X-Real-Client): inputs, never passed on, in any spelling. */
    phs_name_list_add(fields, &conf->client_ip_header, 1, PHS_FIELD_STRIP);
    phs_name_list_add(fields, &conf->proto_header, 1, PHS_FIELD_STRIP);
}

/* 1 + the sent field a name list role is, or 0. */
static int sent_of(unsigned roles)
{
    unsigned sent = (roles / PHS_FIELD_SENT_FOR) & 7;

    return sent == 4 ? 3 : (int)sent;
}

static void sent_values(request_rec *r, const char *values[SENT_FIELDS])
{
    values[0] = values[1] = r->useragent_ip;
    values[2] = phs_request_is_https(r) ? PROTO_HTTPS : PROTO_HTTP;
}

/* Gives the fields the client sent once the module's values where they
 * stand, and adds the ones it did not send; returns the bits of the ones
 * placed in place, whose keys are not to be unset. */
static unsigned place_sent(request_rec *r, const phs_strip_fields_t *found)
{
    const apr_array_header_t *fields = apr_table_elts(r->headers_in);
    apr_table_entry_t *field = (apr_table_entry_t *)fields->elts;
    const char *values[SENT_FIELDS];
    int where[SENT_FIELDS] = { -1, -1, -1 }, seen[SENT_FIELDS] = { 0, 0, 0 };
    unsigned placed = 0;
    int i, n;

    for (i = 0; i < found->count; i++) {
        int at = found->index[i];

        if (!(n = sent_of(found->roles[i])))
            continue;
        /* Not where the pass saw it: it is unset, never guessed. */
        seen[n - 1] += at < fields->nelts && field[at].key == found->key[i]
                       ? 1 : SENT_FIELDS;
        where[n - 1] = at;
    }
    sent_values(r, values);
    for (n = 0; n < SENT_FIELDS; n++)
        if (!seen[n])
            apr_table_addn(r->headers_in, sent_names[n], values[n]);
        else if (seen[n] == 1) {
            field[where[n]].key = (char *)sent_names[n];
            field[where[n]].val = (char *)values[n];
            placed |= SENT_ROLE(n);
        }
    return placed;
}

void phs_forwarded_headers_strip(request_rec *r,
                                 const phs_strip_fields_t *found)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    const apr_array_header_t *fields = apr_table_elts(r->headers_in);
    /* Only the signed-IP ones are counted: forged by definition. */
    int i, removed = 0;
    unsigned placed;

    if (!found || found->count > PHS_STRIP_FIELDS_MAX)
        removed = phs_fields_remove(r->headers_in, &conf->fields,
                                    PHS_FIELD_STRIP, PHS_FIELD_SIGNED_IP);
    else {
        placed = conf->forwarded_headers != 0 ? place_sent(r, found) : 0;
        for (i = 0; i < found->count; i++) {
            int before = fields->nelts;

            if (found->roles[i] & placed)
                continue;
            apr_table_unset(r->headers_in, found->key[i]);
            if (found->roles[i] & PHS_FIELD_SIGNED_IP)
                removed += before - fields->nelts;
        }
    }
    if (removed)
        phs_metrics_count(r->server, PHS_COUNT_FORGED_HEADERS_REMOVED,
                          (apr_uint64_t)removed);
}

/* mod_proxy's HTTP, WebSocket and HTTP/2 workers append r->useragent_ip
 * to X-Forwarded-For (ProxyAddHeaders On, the default), so with the
 * client's header gone they send exactly the client; the FastCGI, AJP,
 * SCGI and uwsgi workers add none.  The target is r->filename for
 * ProxyPass and RewriteRule [P] (mod_proxy has already turned a Unix
 * socket target into its scheme there); `SetHandler "proxy:..."` is made a
 * proxy request by mod_proxy's handler only, after the fixups, and names
 * a socket's scheme after the `|` (`proxy:unix:/path|fcgi://host`).
 * Balancer members' schemes are not known here: they count as HTTP. */
static int proxy_adds_forwarded_for(const request_rec *r)
{
    static const char *const schemes[] = { "fcgi:", "ajp:", "scgi:", "uwsgi:" };
    const proxy_dir_conf *proxy;
    const char *target = r->proxyreq == PROXYREQ_REVERSE ? r->filename
                         : r->proxyreq == PROXYREQ_NONE ? r->handler : NULL;
    size_t i;

    if (!target || strncasecmp(target, "proxy:", 6) || !proxy_module_found
        || !(proxy = ap_get_module_config(r->per_dir_config,
                                          proxy_module_found))
        || !proxy->add_forwarded_headers)
        return 0;
    target += 6;
    if (!strncasecmp(target, "unix:", 5)) {
        const char *bar = strchr(target, '|');

        if (!bar)
            return 0;
        target = bar + 1;
    }
    for (i = 0; i < sizeof(schemes) / sizeof(*schemes); i++)
        if (!strncasecmp(target, schemes[i], strlen(schemes[i])))
            return 0;
    return 1;
}

/* Which of the fields the module sends are there with its keys (`ours`),
 * and which of those still have the values it would give (`current`). */
static void find_sent(const apr_table_t *headers,
                      const char *const values[SENT_FIELDS], unsigned *ours,
                      unsigned *current)
{
    const apr_array_header_t *fields = apr_table_elts(headers);
    const apr_table_entry_t *field = (const apr_table_entry_t *)fields->elts;
    int i, n;

    *ours = *current = 0;
    for (i = 0; i < fields->nelts; i++) {
        const char *key = field[i].key;

        n = key == sent_names[0] ? 0 : key == sent_names[1] ? 1
            : key == sent_names[2] ? 2 : -1;
        if (n < 0)
            continue;
        *ours |= SENT_ROLE(n);
        if (field[i].val == values[n])
            *current |= SENT_ROLE(n);
    }
}

/* A location where the module's headers are off: what post_read_request
 * placed goes, as if it had never been there (later request_recs share or
 * copy the table the first one left). */
static void remove_sent(request_rec *r)
{
    const char *values[SENT_FIELDS] = { NULL, NULL, NULL };
    unsigned ours, current;
    int n;

    find_sent(r->headers_in, values, &ours, &current);
    for (n = 0; n < SENT_FIELDS; n++)
        if (ours & SENT_ROLE(n))
            apr_table_unset(r->headers_in, sent_names[n]);
}

int phs_forwarded_headers_rewrite(request_rec *r)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    const char *values[SENT_FIELDS];
    unsigned ours, current, wanted = SENT_ROLE(0) | SENT_ROLE(1) | SENT_ROLE(2);
    int n;

    if (!phs_headers_enabled(r)) {
        if (conf->secure_somewhere == 1 && conf->forwarded_headers != 0
            && !r->main && !r->prev)
            remove_sent(r);
        return DECLINED;
    }
    /* PostHogSecure On only in a .htaccess: post_read_request, before any
     * directory was known, stripped nothing; here, before the backend is
     * told anything, it does. */
    if (conf->secure_somewhere != 1)
        phs_forwarded_headers_strip(r, NULL);
    if (conf->forwarded_headers == 0)
        return DECLINED;
    /* The client's own went at post_read_request (phs_client_ip_resolve);
     * an unknown client: the peer, as httpd's client address still is. */
    sent_values(r, values);
    find_sent(r->headers_in, values, &ours, &current);
    if (proxy_adds_forwarded_for(r)) {
        wanted &= ~SENT_ROLE(0);
        if (ours & SENT_ROLE(0))
            apr_table_unset(r->headers_in, sent_names[0]);
    }
    for (n = 0; n < SENT_FIELDS; n++)
        if ((wanted & SENT_ROLE(n)) && !(current & SENT_ROLE(n)))
            apr_table_setn(r->headers_in, sent_names[n], values[n]);
    return DECLINED;
}
