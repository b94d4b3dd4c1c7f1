#include "mod_phs_forwarded_headers.h"
#include "mod_phs_request.h"
#include "mod_phs_client_ip.h"
#include "mod_phs_directive.h"
#include "phs_text.h"

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

int phs_backend_headers_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                    apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    (void)s;
    proxy_module_found = ap_find_linked_module("mod_proxy.c");
    return OK;
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

int phs_backend_headers_rewrite(request_rec *r)
{
    const char *client = r->useragent_ip;

    if (!phs_headers_enabled(r)
        || PHS_SERVER_CONF(r->server)->forwarded_headers == 0)
        return DECLINED;
    phs_fields_remove(r->headers_in, forwarded_names, FORWARDED_NAMES);
    /* An unknown client: the peer, as httpd's client address still is. */
    if (!proxy_adds_forwarded_for(r))
        apr_table_setn(r->headers_in, "X-Forwarded-For", client);
    apr_table_setn(r->headers_in, "X-Real-IP", client);
    apr_table_setn(r->headers_in, "X-Forwarded-Proto",
                   phs_request_is_https(r) ? "https" : "http");
    return DECLINED;
}
