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

/* What is removed from every request of a vhost where PostHogSecure On
 * appears: the signed-IP headers always (only the module may send them),
 * the forwarded ones too with PostHogForwardedHeaders rewrite. */
static const char *const signed_ip_names[] = {
    PHS_CLIENT_IP_HEADER, PHS_CLIENT_IP_TIMESTAMP_HEADER,
    PHS_CLIENT_IP_SIGNATURE_HEADER
};
#define SIGNED_IP_NAMES \
    ((int)(sizeof(signed_ip_names) / sizeof(*signed_ip_names)))
/* forged[0]: PostHogForwardedHeaders keep, forged[1]: rewrite; the
 * signed-IP names first in both. */
static phs_name_list_t forged[2];

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

/* Built on first use, while the configuration is read: the same every
 * time, and read-only once requests are served. */
static const phs_name_list_t *forged_lists(void)
{
    if (!forged[1].count) {
        phs_name_list_init(&forged[0]);
        phs_name_list_add(&forged[0], signed_ip_names, SIGNED_IP_NAMES);
        forged[1] = forged[0];
        phs_name_list_add(&forged[1], forwarded_names, FORWARDED_NAMES);
    }
    return forged;
}

int phs_forwarded_header_listed(const char *name)
{
    return phs_name_list_has(&forged_lists()[1], name);
}

static const phs_name_list_t *forged_list(const phs_server_conf_t *conf)
{
    return &forged_lists()[conf->forwarded_headers != 0];
}

int phs_forwarded_header_is_forged(const phs_server_conf_t *conf,
                                   const char *key)
{
    return phs_name_list_has(forged_list(conf), key);
}

void phs_forwarded_headers_strip(request_rec *r)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    /* Only the signed-IP ones are counted: forged by definition. */
    int removed = phs_fields_remove(r->headers_in, forged_list(conf),
                                     SIGNED_IP_NAMES);

    if (removed)
        phs_metrics_count(r->server, PHS_COUNT_FORGED_HEADERS_REMOVED,
                          (apr_uint64_t)removed);
    if (conf->forwarded_headers == 0)
        return;
    /* PostHogClientIPHeader and PostHogForwardedProtoHeader may name
     * others (X-Real-Client): inputs, never passed on, in any spelling. */
    if (conf->unlisted.count)
        phs_fields_remove(r->headers_in, &conf->unlisted, 0);
}

/* mod_proxy's HTTP, WebSocket and HTTP/2 workers append r->useragent_ip
 * to X-Forwarded-For (ProxyAddHeaders On, the default), so with the
 * client's header gone they send exactly the client; the FastCGI, AJP,
 * SCGI and uwsgi workers add none. */
static int proxy_adds_forwarded_for(const request_rec *r)
{
    static const char *const schemes[] = {
        "proxy:fcgi:", "proxy:ajp:", "proxy:scgi:", "proxy:uwsgi:"
    };
    const proxy_dir_conf *proxy;
    size_t i;

    if (r->proxyreq != PROXYREQ_REVERSE || !proxy_module_found || !r->filename
        || !(proxy = ap_get_module_config(r->per_dir_config,
                                          proxy_module_found))
        || !proxy->add_forwarded_headers)
        return 0;
    for (i = 0; i < sizeof(schemes) / sizeof(*schemes); i++)
        if (!strncasecmp(r->filename, schemes[i], strlen(schemes[i])))
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
        phs_forwarded_headers_strip(r);
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
