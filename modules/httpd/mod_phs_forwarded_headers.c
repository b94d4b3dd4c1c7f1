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
    /* PostHogClientIPHeader and PostHogForwardedProtoHeader may name
     * others (X-Real-Client): inputs, never passed on, in any spelling. */
    phs_name_list_add(fields, &conf->client_ip_header, 1, PHS_FIELD_STRIP);
    phs_name_list_add(fields, &conf->proto_header, 1, PHS_FIELD_STRIP);
}

void phs_forwarded_headers_strip(request_rec *r, const char *const *keys,
                                 const unsigned char *roles, int count)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    const apr_array_header_t *fields = apr_table_elts(r->headers_in);
    /* Only the signed-IP ones are counted: forged by definition. */
    int i, removed = 0;

    if (!keys)
        removed = phs_fields_remove(r->headers_in, &conf->fields,
                                    PHS_FIELD_STRIP, PHS_FIELD_SIGNED_IP);
    for (i = 0; keys && i < count; i++) {
        int before = fields->nelts;

        apr_table_unset(r->headers_in, keys[i]);
        if (roles[i] & PHS_FIELD_SIGNED_IP)
            removed += before - fields->nelts;
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

int phs_forwarded_headers_rewrite(request_rec *r)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    const char *client = r->useragent_ip;

    if (!phs_headers_enabled(r))
        return DECLINED;
    /* PostHogSecure On only in a .htaccess: post_read_request, before any
     * directory was known, stripped nothing; here, before the backend is
     * told anything, it does. */
    if (conf->secure_somewhere != 1)
        phs_forwarded_headers_strip(r, NULL, NULL, 0);
    if (conf->forwarded_headers == 0)
        return DECLINED;
    /* The client's own went at post_read_request (phs_client_ip_resolve);
     * an unknown client: the peer, as httpd's client address still is. */
    if (!proxy_adds_forwarded_for(r))
        apr_table_setn(r->headers_in, "X-Forwarded-For", client);
    apr_table_setn(r->headers_in, "X-Real-IP", client);
    apr_table_setn(r->headers_in, "X-Forwarded-Proto",
                   phs_request_is_https(r) ? "https" : "http");
    return DECLINED;
}
